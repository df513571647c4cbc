// When the discovery loop tries the next endpoint after a session ended. Pure: the failure count,
// the error and a random source in, a delay out; no clock and no randomness of its own.

import { isRetryable } from "../errors.ts";
import { DISCOVERY } from "../tunables.ts";

/** How a session went, as far as the backoff cares. */
export type SessionSummary = {
  /** Whether it listed the prefix and started watching. */
  synced: boolean;
  /** How long it lasted, ms. */
  durationMs: number;
};

/**
 * The failure count after a session: a session that synced and served a while resets it, so
 * the next endpoint is tried at once; any other session adds one.
 */
export function countFailures(previous: number, session: SessionSummary): number {
  const healthy = session.synced && session.durationMs >= DISCOVERY.healthySessionMs;
  return healthy ? 0 : previous + 1;
}

/**
 * The delay before the next session, ms, after `failures` failed sessions in a row, the last
 * one ending with `error`. Errors that retrying soon will not fix (see `isRetryable`) wait
 * longest; others back off exponentially to a short limit. `random` returns a number in [0, 1)
 * and spreads the delay by `DISCOVERY.jitter` either way.
 */
export function retryDelay(failures: number, error: unknown, random: () => number): number {
  if (failures <= 0) return 0;
  const base = isRetryable(error)
    ? Math.min(DISCOVERY.backoffMaxMs, DISCOVERY.backoffBaseMs * 2 ** failures)
    : DISCOVERY.refusedBackoffMs;
  return base * (1 - DISCOVERY.jitter + random() * 2 * DISCOVERY.jitter);
}
