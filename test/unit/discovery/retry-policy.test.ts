// The retry policy as a table: failure count, error and a fixed random source in, delay out.

import { describe, expect, test } from "bun:test";
import { countFailures, retryDelay } from "../../../src/discovery/retry-policy.ts";
import { ConfigError, DiscoveryError } from "../../../src/errors.ts";

const unavailable = new DiscoveryError("14 UNAVAILABLE: connect ECONNREFUSED");
const refused = new DiscoveryError("authentication failed", { refused: true });

describe("retryDelay", () => {
  const cases: Array<[string, number, unknown, number, number]> = [
    // name, failures, error, random, expected delay (ms)
    ["no failure: at once", 0, unavailable, 0.5, 0],
    ["no failure, even when refused: at once", 0, refused, 0.5, 0],
    ["first failure", 1, unavailable, 0.5, 100],
    ["second failure doubles", 2, unavailable, 0.5, 200],
    ["third failure", 3, unavailable, 0.5, 400],
    ["fourth failure reaches the limit", 4, unavailable, 0.5, 800],
    ["later failures stay at the limit", 9, unavailable, 0.5, 800],
    ["jitter at its lowest: 20 % less", 4, unavailable, 0, 640],
    ["jitter near its highest: up to 20 % more", 4, unavailable, 0.75, 880],
    ["refused credentials wait for an operator", 1, refused, 0.5, 5000],
    ["refused, however few failures, with jitter", 3, refused, 0, 4000],
    ["an error that is not sluice's counts as transient", 1, new Error("socket hang up"), 0.5, 100],
    [
      "any error that is not retryable waits as long as refused",
      1,
      new ConfigError("x"),
      0.5,
      5000,
    ],
  ];
  for (const [name, failures, error, random, expected] of cases) {
    test(name, () => {
      expect(retryDelay(failures, error, () => random)).toBeCloseTo(expected, 6);
    });
  }
});

describe("countFailures", () => {
  const cases: Array<[string, number, boolean, number, number]> = [
    // name, previous failures, synced, duration (ms), expected failures
    ["a session that synced and served a second resets the count", 5, true, 1000, 0],
    ["a session that synced but ended at once is a failure", 5, true, 999, 6],
    ["a session that never synced is a failure, however long", 0, false, 60_000, 1],
  ];
  for (const [name, previous, synced, durationMs, expected] of cases) {
    test(name, () => {
      expect(countFailures(previous, { synced, durationMs })).toBe(expected);
    });
  }
});
