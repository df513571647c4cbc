// Parses the duration strings used in sluice.toml ("250ms", "2s", "1m").

const MILLISECONDS_PER_UNIT: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The longest delay a timer holds (2^31-1 ms, ~24.8 days): Bun and Node turn a longer
 * `setTimeout`/`setInterval` delay into 1 ms, and HAProxy refuses longer time values. */
export const MAX_TIMER_MS = 2_147_483_647;

/** Milliseconds for a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) return undefined;
  const millisecondsPerUnit = MILLISECONDS_PER_UNIT[match[2]!]!;
  return Math.round(Number(match[1]) * millisecondsPerUnit);
}
