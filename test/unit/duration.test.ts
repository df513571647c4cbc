import { describe, expect, test } from "bun:test";
import { parseDuration } from "../../src/duration.ts";

describe("parseDuration", () => {
  const valid: [string, number][] = [
    ["250ms", 250],
    ["0ms", 0],
    ["2s", 2000],
    ["1.5s", 1500],
    ["1m", 60_000],
    ["2h", 7_200_000],
    ["0.5ms", 1],
    [" 30s ", 30_000],
  ];
  for (const [text, ms] of valid) {
    test(`reads ${JSON.stringify(text)} as ${ms} ms`, () => {
      expect(parseDuration(text)).toBe(ms);
    });
  }

  const invalid = ["", "2", "s", "-1s", "2 s", "2sec", "1d", "1e3ms", "1s500ms", ".5s", "2S", "ms"];
  for (const text of invalid) {
    test(`rejects ${JSON.stringify(text)}`, () => {
      expect(parseDuration(text)).toBeUndefined();
    });
  }
});
