// Runs a resource's check_cmd or reload_cmd with `/bin/sh -c`, killed (with everything it
// started) when it runs past its timeout. The only module here that starts processes.

import { spawn } from "node:child_process";

/** What became of one command. */
export type CommandResult = {
  ok: boolean;
  /** Exit code; null when it was killed or could not start. */
  exitCode: number | null;
  timedOut: boolean;
  /** The last lines it wrote (stdout and stderr), at most OUTPUT_KEPT characters. */
  output: string;
  durationMs: number;
};

/** Runs `command`; never throws. */
export type CommandRunner = (command: string, timeoutMs: number) => Promise<CommandResult>;

const OUTPUT_KEPT = 2000;

/** `{{.src}}` (and `{{ .src }}`) in a check_cmd become the staged file's path, as in confd. */
export function expandSource(command: string, stagedPath: string): string {
  return command.replace(/\{\{\s*\.src\s*\}\}/g, () => stagedPath);
}

/** The production runner: `/bin/sh -c command` in its own process group. */
export const runShellCommand: CommandRunner = (command, timeoutMs) => {
  const started = performance.now();
  return new Promise((resolve) => {
    let output = "";
    let timedOut = false;
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-OUTPUT_KEPT);
    };
    const child = spawn("/bin/sh", ["-c", command], {
      stdio: ["ignore", "pipe", "pipe"],
      // Its own group, so a timeout kills what the shell started too (a `sleep` would otherwise
      // keep the pipes open).
      detached: true,
    });
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    let done = false;
    const finish = (exitCode: number | null, problem?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (problem) output += problem;
      const durationMs = Math.round(performance.now() - started);
      resolve({ ok: exitCode === 0 && !timedOut, exitCode, timedOut, output, durationMs });
    };
    child.on("error", (error) => finish(null, `cannot run /bin/sh: ${error.message}`));
    child.on("close", (code) => finish(timedOut ? null : code));
  });
};

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/** One line about a failed command, for status and logs. */
export function describeFailure(what: string, command: string, result: CommandResult): string {
  const how = result.timedOut
    ? "timed out and was killed"
    : result.exitCode === null
      ? "could not run"
      : `exited with ${result.exitCode}`;
  const tail = result.output.trim().split("\n").slice(-3).join(" | ");
  return `${what} "${command}" ${how}${tail ? `: ${tail}` : ""}`;
}
