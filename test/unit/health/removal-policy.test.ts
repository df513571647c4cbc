// The pure rules of removal: panic at its edges, the budget per period, which backends are due,
// and where the election lives (never under the registration prefix).

import { describe, expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import { ConfigError } from "../../../src/errors.ts";
import { electionOverlap, electionPrefix } from "../../../src/health/election-key.ts";
import {
  type CheckedBackend,
  dueBackends,
  periodBudget,
  readPanic,
} from "../../../src/health/removal-policy.ts";

function backends(counts: Partial<Record<CheckedBackend["state"], number>>): CheckedBackend[] {
  return Object.entries(counts).flatMap(([state, count]) =>
    Array.from({ length: count ?? 0 }, (_, index) => ({
      service: "web",
      key: `/apps/web/${state}-${index}`,
      state: state as CheckedBackend["state"],
      lastError: null,
    })),
  );
}

describe("panic", () => {
  const cases: Array<[string, Partial<Record<CheckedBackend["state"], number>>, number, boolean]> =
    [
      ["exactly the threshold is no panic", { up: 5, down: 5 }, 50, false],
      ["one more than the threshold is", { up: 4, down: 6 }, 50, true],
      ["51 of 100 at 50 %", { up: 49, down: 51 }, 50, true],
      ["nothing checked is no panic", { maint: 3, unchecked: 2 }, 50, false],
      ["maint and unchecked do not count", { up: 2, down: 2, maint: 10, unchecked: 10 }, 50, false],
      ["all down at 99 %", { down: 3 }, 99, true],
      ["threshold 100 never panics", { down: 3 }, 100, false],
      ["threshold 0: any down server", { up: 99, down: 1 }, 0, true],
      ["threshold 0 with all up", { up: 5 }, 0, false],
    ];
  for (const [name, counts, threshold, panic] of cases) {
    test(name, () => {
      expect(readPanic(backends(counts), threshold).panic).toBe(panic);
    });
  }

  test("counts down and checked servers", () => {
    expect(readPanic(backends({ up: 3, down: 2, maint: 1 }), 50)).toEqual({
      panic: false,
      down: 2,
      checked: 5,
    });
  });
});

describe("budget per period", () => {
  const cases: Array<[number, number, number]> = [
    [20, 20, 4],
    [20, 10, 2],
    [9, 10, 1],
    [1, 10, 1],
    [0, 10, 1],
    [24, 20, 4],
    [25, 20, 5],
    [10, 100, 10],
  ];
  for (const [base, percent, budget] of cases) {
    test(`${percent} % of ${base} is ${budget}`, () => {
      expect(periodBudget(base, percent)).toBe(budget);
    });
  }
});

describe("due backends", () => {
  const down = (key: string, downSinceMs: number, downSinceRevision?: number): CheckedBackend => ({
    service: "web",
    key,
    state: "down",
    downSinceMs,
    downSinceRevision,
    lastError: "L4CON",
  });

  test("down for remove_after, oldest first; without a down revision never", () => {
    const due = dueBackends(
      [down("/b", 500, 7), down("/a", 100, 5), down("/young", 1500, 8), down("/norev", 0)],
      2500,
      2000,
      new Map(),
    );
    expect(due.map((each) => [each.key, each.sinceMs, each.revision])).toEqual([
      ["/a", 100, 5],
      ["/b", 500, 7],
    ]);
  });

  test("a restart newer than the down revision moves the clock and the revision", () => {
    const restarts = new Map([["/a", { revision: 9, atMs: 1000 }]]);
    expect(dueBackends([down("/a", 0, 5)], 2999, 2000, restarts)).toEqual([]);
    expect(dueBackends([down("/a", 0, 5)], 3000, 2000, restarts)[0]).toMatchObject({
      sinceMs: 1000,
      revision: 9,
    });
    // The monitor saw it go down again after the restart: its own clock counts.
    expect(dueBackends([down("/a", 0, 12)], 2000, 2000, restarts)[0]?.revision).toBe(12);
  });
});

describe("the election's place", () => {
  test("beside the registrations, never under them", () => {
    expect(electionPrefix("/apps/")).toBe("/sluice/health-leader/apps/");
    expect(electionOverlap("/apps/")).toBeUndefined();
    expect(electionOverlap("/sluice/apps/")).toBeUndefined();
    for (const prefix of ["/", "/sluice/", "/sluice/health-leader/"]) {
      expect(electionOverlap(prefix)).toContain("would be under it");
    }
  });

  test("a prefix that would hold the election is a config error, unless removal is off", () => {
    const text = (extra: string) => `[etcd]\nprefix = "/"\n[haproxy]\n${extra}`;
    let message = "";
    try {
      parseConfigText(text(""), "/etc/sluice/sluice.toml");
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      message = error.message;
    }
    expect(message).toStartWith("/etc/sluice/sluice.toml:2: etcd.prefix:");
    expect(message).toContain("/sluice/health-leader/");
    const off = parseConfigText(text('[health]\nremove_after = "0s"'), "/etc/sluice/sluice.toml");
    expect(off.etcd.prefix).toBe("/");
  });
});
