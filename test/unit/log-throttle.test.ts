// The log throttle forgets kinds of lines it no longer needs, so its memory stays bounded.

import { describe, expect, test } from "bun:test";
import { createLogThrottle } from "../../src/log-throttle.ts";

describe("the log throttle's memory", () => {
  test("ever new kinds of lines never hold more than maxKinds windows", () => {
    let at = 0;
    const throttle = createLogThrottle({ windowMs: 10, perWindow: 1, maxKinds: 50, now: () => at });
    for (let i = 0; i < 10_000; i++) {
      at = i;
      expect(throttle.admit(`line ${i}`).admitted).toBe(true);
    }
    // drain lists every kind it still remembers with a count; at most maxKinds are left.
    const lines = Array.from({ length: 100 }, (_, i) => `line ${9_900 + i}`);
    for (const line of lines) throttle.admit(line);
    expect(throttle.drain().length).toBeLessThanOrEqual(50);
  });

  test("a kind still counting is kept while ended ones with nothing counted go first", () => {
    let at = 0;
    const throttle = createLogThrottle({ windowMs: 100, perWindow: 1, maxKinds: 3, now: () => at });
    throttle.admit("noisy");
    throttle.admit("noisy");
    throttle.admit("noisy");
    throttle.admit("quiet-1");
    at = 200;
    throttle.admit("quiet-2");
    throttle.admit("quiet-3");
    expect(throttle.drain()).toEqual([{ key: "noisy", suppressed: 2 }]);
  });
});
