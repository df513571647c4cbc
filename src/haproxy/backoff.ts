// Restart delays for a crashing HAProxy. Pure.

import { doublingDelay } from "../backoff.ts";
import { SUPERVISOR } from "../tunables.ts";

/**
 * Delay before restart number `attempt` (0-based): `baseMs` (100 ms) doubling, capped at `maxMs`
 * (10 s).
 */
export function restartDelay(
  attempt: number,
  maxMs: number = SUPERVISOR.restartMaxMs,
  baseMs: number = SUPERVISOR.restartBaseMs,
): number {
  return doublingDelay(attempt, baseMs, maxMs);
}
