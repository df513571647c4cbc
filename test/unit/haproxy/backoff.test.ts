import { describe, expect, test } from "bun:test";
import { restartDelay } from "../../../src/haproxy/backoff.ts";

describe("restartDelay", () => {
  test("starts at 100 ms and doubles on each attempt", () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((attempt) => restartDelay(attempt))).toEqual([
      100, 200, 400, 800, 1600, 3200, 6400,
    ]);
  });

  test("is capped at 10 s by default", () => {
    expect(restartDelay(7)).toBe(10_000);
    expect(restartDelay(30)).toBe(10_000);
  });

  test("stays finite and capped for a huge attempt count", () => {
    expect(restartDelay(100_000)).toBe(10_000);
    expect(restartDelay(Number.MAX_SAFE_INTEGER, 60_000)).toBe(60_000);
  });

  test("honours a custom cap", () => {
    expect(restartDelay(2, 1000)).toBe(400);
    expect(restartDelay(4, 1000)).toBe(1000);
  });
});
