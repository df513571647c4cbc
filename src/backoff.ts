// Delays that double with every failure up to a limit. Pure.

/** Delay after failure number `attempt` (0-based): `baseMs` doubling, capped at `maxMs`. */
export function doublingDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
}
