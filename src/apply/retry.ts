// When a failed apply is tried again. Pure: failures that may pass by themselves (a socket, a
// full disk) are retried soon; those that need an operator (a template or config HAProxy
// refuses) slowly, so a fixed template is still picked up without a reload by hand.

import { doublingDelay } from "../backoff.ts";
import { isRetryable } from "../errors.ts";
import { APPLY } from "../tunables.ts";
import type { ApplyKind } from "./queue.ts";

/** Delay before retry number `attempt` (0-based) after a job failed with `error`, ms. */
export function applyRetryDelay(attempt: number, error: unknown): number {
  const maxMs = isRetryable(error) ? APPLY.retryMaxMs : APPLY.retryNeedsOperatorMaxMs;
  return doublingDelay(attempt, APPLY.retryBaseMs, maxMs);
}

export type RetrySchedule = {
  /** Schedules `kind` again after a failure with `error`; returns the delay, ms. */
  failed(kind: ApplyKind, error: unknown): number;
  /** A job succeeded: the backoff starts over and a scheduled retry is dropped. */
  succeeded(): void;
  /** When the next retry runs (epoch ms), or undefined. */
  nextAt(): number | undefined;
  cancel(): void;
};

/** Retries through `request` (which must not throw), one at a time, with backoff. */
export function createRetrySchedule(request: (kind: ApplyKind) => void): RetrySchedule {
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let at: number | undefined;
  const cancel = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    at = undefined;
  };
  return {
    failed(kind, error) {
      const delay = applyRetryDelay(failures++, error);
      cancel();
      at = Date.now() + delay;
      timer = setTimeout(() => {
        timer = undefined;
        at = undefined;
        // A forced reload is retried as an apply of the newest state.
        request(kind === "sync" ? "sync" : "apply");
      }, delay);
      return delay;
    },
    succeeded() {
      failures = 0;
      cancel();
    },
    nextAt: () => at,
    cancel,
  };
}
