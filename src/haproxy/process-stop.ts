// Ending HAProxy processes in bounded time: a signal first, SIGKILL for those that do not stop.

import { SUPERVISOR } from "../tunables.ts";
import type { Clock } from "./clock.ts";
import type { ChildProcess } from "./process-runner.ts";

/**
 * Sends `signal` to every one of `children`, waits up to `timeoutMs` for them to exit, then
 * SIGKILLs those still running and waits for them. Resolves whether a SIGKILL was needed.
 */
export async function endProcesses(
  children: readonly ChildProcess[],
  signal: NodeJS.Signals,
  timeoutMs: number,
  clock: Clock,
): Promise<boolean> {
  for (const child of children) child.kill(signal);
  const all = Promise.all(children.map((child) => child.exited));
  let cancelTimeout: (() => void) | undefined;
  const timedOut = await Promise.race([
    all.then(() => false),
    new Promise<boolean>((resolve) => {
      cancelTimeout = clock.setTimer(timeoutMs, () => resolve(true));
    }),
  ]);
  cancelTimeout?.();
  if (timedOut) for (const child of children) child.kill("SIGKILL");
  await all;
  return timedOut;
}

/** `process.kill`, for a pid that is not a child; a process already gone is no error. */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // It ended meanwhile.
  }
}

/**
 * Kills a hung HAProxy: its `workers` that are not children at once (a stopped process ignores
 * SIGTERM, and its master would wait for it), then `children` by SIGTERM, SIGKILL after
 * `SUPERVISOR.killAfterMs`.
 */
export async function killHung(
  workers: readonly number[],
  children: readonly ChildProcess[],
  signalPid: (pid: number, signal: NodeJS.Signals) => void,
  clock: Clock,
): Promise<void> {
  const childPids = new Set(children.map((child) => child.pid));
  for (const pid of workers.filter((worker) => !childPids.has(worker))) signalPid(pid, "SIGKILL");
  await endProcesses(children, "SIGTERM", SUPERVISOR.killAfterMs, clock);
}
