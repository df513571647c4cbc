// HAProxy processes a previous sluice left behind (it was killed with -9): found by the pid file
// they were started with, and stopped before a new HAProxy starts beside them.

import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import type { Logger } from "../log.ts";
import { SUPERVISOR } from "../tunables.ts";
import type { Clock } from "./clock.ts";

export type OrphanOptions = {
  /** HAProxy's `-p` pid file: only processes started with it are ours. */
  pidFile: string;
  /** Pids never touched: the processes this sluice runs itself. */
  exclude: ReadonlySet<number>;
  clock: Clock;
  log: Logger;
  /** Where process information is read; default `/proc`. */
  procRoot?: string;
  /** Sends a signal to a pid; default `process.kill`. */
  signal?: (pid: number, signal: NodeJS.Signals) => void;
};

/** A process's argv from `<procRoot>/<pid>/cmdline`; empty when it is gone or a zombie. */
function commandLine(procRoot: string, pid: number): string[] {
  try {
    return readFileSync(join(procRoot, String(pid), "cmdline"), "utf8")
      .split("\0")
      .filter(Boolean);
  } catch {
    return [];
  }
}

/** Whether `argv` is an HAProxy that was started with `-p pidFile`. */
export function isHaproxyOf(argv: readonly string[], pidFile: string): boolean {
  const program = argv[0];
  if (!program || !basename(program).includes("haproxy")) return false;
  return argv.some((argument, index) => argument === "-p" && argv[index + 1] === pidFile);
}

/** The pid written in `pidFile`, if it holds one. */
function pidFromFile(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every running HAProxy started with `options.pidFile`: the one the pid file names and any other
 * (old workers, `sf` processes still finishing). A pid whose command line is not such an HAProxy
 * (the pid was reused) is never returned.
 */
export function findOrphans(options: OrphanOptions): number[] {
  const procRoot = options.procRoot ?? "/proc";
  const candidates = new Set<number>();
  const named = pidFromFile(options.pidFile);
  if (named !== undefined) candidates.add(named);
  let entries: string[] = [];
  try {
    entries = readdirSync(procRoot);
  } catch {
    // No /proc: only the pid file is known.
  }
  for (const entry of entries) if (/^\d+$/.test(entry)) candidates.add(Number(entry));
  return [...candidates].filter(
    (pid) =>
      pid !== process.pid &&
      !options.exclude.has(pid) &&
      isHaproxyOf(commandLine(procRoot, pid), options.pidFile),
  );
}

/**
 * Stops every orphan HAProxy (SIGTERM, then SIGKILL for those alive after
 * `SUPERVISOR.killAfterMs`) and resolves with their pids once they are gone or the wait ran out.
 * Never throws: a failed search is logged, and the new HAProxy starts anyway.
 */
export async function stopOrphans(options: OrphanOptions): Promise<number[]> {
  const procRoot = options.procRoot ?? "/proc";
  const signal = options.signal ?? ((pid, name) => process.kill(pid, name));
  let orphans: number[];
  try {
    orphans = findOrphans(options);
  } catch (error) {
    options.log.warn("cannot look for leftover haproxy", { error: (error as Error).message });
    return [];
  }
  if (orphans.length === 0) return [];
  options.log.warn("stopping haproxy left running by an earlier sluice", {
    pids: orphans.join(" "),
  });
  const alive = () =>
    orphans.filter((pid) => isHaproxyOf(commandLine(procRoot, pid), options.pidFile));
  const send = (pids: number[], name: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        signal(pid, name);
      } catch {
        // It ended meanwhile.
      }
    }
  };
  send(orphans, "SIGTERM");
  for (const [name, waitMs] of [
    ["SIGKILL", SUPERVISOR.killAfterMs],
    [undefined, SUPERVISOR.killAfterMs],
  ] as const) {
    const deadline = options.clock.now() + waitMs;
    while (alive().length > 0 && options.clock.now() < deadline) {
      await options.clock.sleep(SUPERVISOR.startPollMs);
    }
    if (name && alive().length > 0) send(alive(), name);
  }
  if (alive().length > 0)
    options.log.error("orphan haproxy did not stop", { pids: alive().join(" ") });
  return orphans;
}
