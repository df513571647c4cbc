import { describe, expect, test } from "bun:test";
import {
  freshCapacity,
  lowWater,
  slotCapacity,
  slotPressure,
} from "../../../src/model/capacity.ts";
import type { LayoutOptions, Slot } from "../../../src/model/layout.ts";
import { server } from "./servers.ts";

const OPTIONS: LayoutOptions = { minSpares: 8, spareRatio: 0.25, maxSpares: 1024 };

/** Grows a backend one server at a time, reloading whenever its free slots fall below the
 * low-water mark (as the background reload does), and counts the reloads. */
function grow(to: number, options = OPTIONS): { reloads: number; slots: number } {
  let slots = slotCapacity(1, options);
  let reloads = 0;
  for (let servers = 1; servers <= to; servers++) {
    if (slots - servers < lowWater(slots)) {
      slots = slotCapacity(servers, options, slots);
      reloads++;
    }
  }
  return { reloads, slots };
}

function slotsOf(used: number, free: number, dynamic = 0): Slot[] {
  const taken = (i: number) => server("web", `s${i}`, `10.0.0.1:${1000 + i}`);
  return [
    ...Array.from({ length: used }, (_, i) => ({ name: `s${i}`, server: taken(i) })),
    ...Array.from({ length: free }, (_, i) => ({ name: `.spare${i + 1}`, server: undefined })),
    ...Array.from({ length: dynamic }, (_, i) => ({
      name: `.add${i + 1}`,
      server: taken(used + i),
      dynamic: true as const,
    })),
  ];
}

describe("slot capacity", () => {
  test("a fresh backend gets its servers plus a quarter, at least spare_slots, at most the cap", () => {
    expect(freshCapacity(0, OPTIONS)).toBe(8);
    expect(freshCapacity(10, OPTIONS)).toBe(18);
    expect(freshCapacity(100, OPTIONS)).toBe(125);
    expect(freshCapacity(10_000, OPTIONS)).toBe(11_024);
  });

  test("slots double once the free ones fall below the low-water mark", () => {
    expect(slotCapacity(7, OPTIONS, 8)).toBe(16);
    expect(slotCapacity(100, OPTIONS, 112)).toBe(224);
    // A burst far past the slots gets fresh capacity for all of it.
    expect(slotCapacity(500, OPTIONS, 8)).toBe(625);
  });

  test("a reload keeps the slots while there is room, and shrinks a much smaller backend", () => {
    expect(slotCapacity(50, OPTIONS, 128)).toBe(128);
    expect(slotCapacity(33, OPTIONS, 128)).toBe(128);
    expect(slotCapacity(32, OPTIONS, 128)).toBe(freshCapacity(32, OPTIONS));
    // A shrunk backend has room: its next reload keeps it.
    const shrunk = slotCapacity(32, OPTIONS, 128);
    expect(slotCapacity(32, OPTIONS, shrunk)).toBe(shrunk);
  });

  test("a freshly laid out backend never wants a reload, whatever its size or spare_slots", () => {
    for (const minSpares of [0, 1, 2, 8, 100, 5000]) {
      const options = { ...OPTIONS, minSpares };
      // Under 2 spares, the smallest backends are below the mark of 2 from the start.
      const sizes = [1, 2, 3, 7, 31, 100, 4095, 7169, 10_000, 30_000, 100_000];
      for (const servers of sizes.filter((n) => minSpares >= 2 || n >= 8)) {
        const slots = freshCapacity(servers, options);
        expect({ servers, minSpares, low: slots - servers < lowWater(slots) }).toEqual({
          servers,
          minSpares,
          low: false,
        });
      }
    }
  });

  test("past 4,096 slots a backend grows by half its servers, not twice its slots", () => {
    expect(slotCapacity(10_000, OPTIONS, 10_400)).toBe(10_400 + 5_000);
    expect(slotCapacity(4_800, OPTIONS, 5_000)).toBe(5_000 + 2_400);
    expect(slotCapacity(3_000, OPTIONS, 3_400)).toBe(6_800);
  });

  test("growing one at a time from 1 to n reloads O(log n) times", () => {
    expect(grow(100).reloads).toBeLessThanOrEqual(5);
    expect(grow(1000).reloads).toBeLessThanOrEqual(8);
    expect(grow(10_000).reloads).toBeLessThanOrEqual(12);
    // With no spares configured it still grows geometrically.
    expect(grow(1000, { ...OPTIONS, minSpares: 0 }).reloads).toBeLessThanOrEqual(12);
  });
});

describe("slot pressure", () => {
  test("a backend with room wants nothing; an empty one never does", () => {
    expect(slotPressure("web", slotsOf(4, 12))).toBeUndefined();
    expect(slotPressure("web", slotsOf(0, 0))).toBeUndefined();
    expect(slotPressure("web", slotsOf(0, 1))).toBeUndefined();
  });

  test("free slots under the mark, or servers in dynamic slots, want a reload", () => {
    expect(slotPressure("web", slotsOf(15, 1))).toBe("web: 15 of 16 server slots used");
    expect(slotPressure("web", slotsOf(16, 0, 3))).toBe(
      "web: 3 servers added at runtime wait for slots",
    );
  });
});
