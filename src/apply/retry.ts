// When a failed apply is tried again. Pure: failures that may pass by themselves (a socket, a
// full disk) are retried soon; those that need an operator (a template or config HAProxy
// refuses) slowly, so a fixed template is still picked up without a reload by hand.

import { doublingDelay } from "../backoff.ts";
import { isRetryable } from "../errors.ts";
import { APPLY } from "../tunables.ts";

/** Delay before retry number `attempt` (0-based) after a job failed with `error`, ms. */
export function applyRetryDelay(attempt: number, error: unknown): number {
  const maxMs = isRetryable(error) ? APPLY.retryMaxMs : APPLY.retryNeedsOperatorMaxMs;
  return doublingDelay(attempt, APPLY.retryBaseMs, maxMs);
}
