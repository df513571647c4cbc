// Start and stop in order (Caddy's run): parts start one by one; when one fails, those already
// started are stopped in reverse and the error is passed on; a stop runs in reverse too.

import { describeError } from "./errors.ts";
import type { Logger } from "./log.ts";

/** One long-lived part of the daemon. */
export interface Part {
  name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

export type Running = {
  /** Stops every started part in reverse order; a part that fails to stop does not stop the rest. */
  stop(): Promise<void>;
};

/** Starts `parts` in order; on a failure undoes the started ones and throws the failure. */
export async function startParts(parts: readonly Part[], log: Logger): Promise<Running> {
  const started: Part[] = [];
  const stop = async () => {
    for (const part of started.reverse()) {
      try {
        await part.stop();
      } catch (error) {
        log.warn(`cannot stop ${part.name}`, { error: describeError(error) });
      }
    }
    started.length = 0;
  };
  for (const part of parts) {
    try {
      await part.start();
    } catch (error) {
      await stop();
      throw error;
    }
    started.push(part);
  }
  return { stop };
}

/** What `runUntilStopped` waits on: a stop request, and the disposal of its signal handlers. */
export type StopSignal = { stopRequested: Promise<void>; dispose(): void };

/**
 * Starts `parts`, runs until `signals` asks to stop, then stops them in reverse; resolves with
 * the exit code. The signal handlers are disposed of either way.
 */
export async function runUntilStopped(
  parts: readonly Part[],
  signals: StopSignal,
  log: Logger,
): Promise<number> {
  try {
    const running = await startParts(parts, log);
    await signals.stopRequested;
    await running.stop();
  } finally {
    signals.dispose();
  }
  log.info("stopped");
  return 0;
}
