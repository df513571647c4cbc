// Restart delays for a crashing HAProxy. Pure.

/** Delay before restart number `attempt` (0-based): 100 ms doubling, capped at `maxMs`. */
export function restartDelay(attempt: number, maxMs = 10_000): number {
  return Math.min(maxMs, 100 * 2 ** Math.min(attempt, 20));
}
