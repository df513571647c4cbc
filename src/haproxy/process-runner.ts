// Starting HAProxy processes: the interface the supervisor spawns through, and Bun.spawn behind it.

import { existsSync } from "node:fs";

/** A started HAProxy process, as much of it as the supervisor uses. */
export interface ChildProcess {
  readonly pid: number;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number>;
  /** `null` while the process runs or when a signal ended it. */
  readonly exitCode: number | null;
  /** The signal that ended the process, `null` while it runs or when it exited. */
  readonly signalCode: NodeJS.Signals | number | null;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts processes; `argv[0]` is the binary. */
export interface ProcessRunner {
  spawn(argv: string[]): ChildProcess;
}

/** Whether `child` has ended (by exit or by signal). */
export function hasEnded(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** sluice's environment without what would let HAProxy talk to systemd on sluice's behalf. */
export function childEnvironment(
  environment: Record<string, string | undefined> = process.env,
): Record<string, string | undefined> {
  const cleaned = { ...environment };
  for (const key of ["NOTIFY_SOCKET", "WATCHDOG_PID", "WATCHDOG_USEC"]) delete cleaned[key];
  return cleaned;
}

/** Where util-linux's `setpriv` is looked for (Debian and Fedora ship it). */
const SETPRIV_PATHS = ["/usr/bin/setpriv", "/bin/setpriv"];

/** The first `setpriv` found, if any. */
export function findSetpriv(
  candidates: readonly string[] = SETPRIV_PATHS,
  exists: (path: string) => boolean = existsSync,
): string | undefined {
  return candidates.find(exists);
}

/**
 * `argv` run through `setpriv --pdeathsig SIGKILL`, which sets the parent-death signal and then
 * executes HAProxy in place (same pid): the kernel kills HAProxy when sluice dies, even by
 * SIGKILL. Bun spawns from the main thread, so no other thread's exit fires it. Without
 * setpriv, `argv` unchanged (sluice then stops leftovers on its next start, see orphans.ts).
 */
export function withDeathSignal(argv: string[], setpriv: string | undefined): string[] {
  return setpriv ? [setpriv, "--pdeathsig", "SIGKILL", "--", ...argv] : argv;
}

/**
 * The production runner: Bun.spawn with stdin closed, output piped, the cleaned environment, and
 * HAProxy killed by the kernel when sluice dies.
 */
export function createBunProcessRunner(setpriv: string | undefined = findSetpriv()): ProcessRunner {
  return {
    spawn(argv) {
      return Bun.spawn(withDeathSignal(argv, setpriv), {
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
        env: childEnvironment(),
      });
    },
  };
}
