// HAProxy's file-descriptor count, the maxconn that fits a limit, and what is said when it does not.

import { describe, expect, test } from "bun:test";
import {
  fdBudget,
  fdShortage,
  fixedFdNeed,
  haproxyThreads,
  layoutServerLines,
} from "../../../src/haproxy/fd-budget.ts";
import type { Layout } from "../../../src/model/layout.ts";
import { FD } from "../../../src/tunables.ts";

describe("HAProxy's file-descriptor need", () => {
  test("counts as HAProxy 2.6 does: 2 per connection, 1 per checked server line, 3 per thread", () => {
    // HAProxy 2.6.12 in master-worker mode with a master socket (2 threads, maxconn 1000, 100
    // checked servers, the stats socket and two frontends) refused to start under a 1000 limit
    // with "Cannot raise FD limit to 2141"; the budget keeps its margin free besides.
    const need = fixedFdNeed({ serverLines: 100, threads: 2 }) + 2 * 1000;
    expect(need - FD.margin).toBe(2141);
  });

  test("each server line and each thread adds to the need", () => {
    const base = fixedFdNeed({ serverLines: 0, threads: 1 });
    expect(fixedFdNeed({ serverLines: 500, threads: 1 })).toBe(base + 500);
    expect(fixedFdNeed({ serverLines: 0, threads: 4 })).toBe(base + 3 * FD.perThread);
  });

  test("threads follow the CPUs, at most 64", () => {
    expect(haproxyThreads(2)).toBe(2);
    expect(haproxyThreads(0)).toBe(1);
    expect(haproxyThreads(256)).toBe(64);
  });

  test("counts every slot of a layout, spares included", () => {
    const slot = (name: string) => ({ name, server: undefined });
    const layout: Layout = new Map([
      ["a", [slot("x"), slot(".spare1")]],
      ["b", [slot(".spare1"), slot(".spare2"), slot(".spare3")]],
    ]);
    expect(layoutServerLines(layout)).toBe(5);
  });
});

describe("the maxconn that fits a limit", () => {
  const demand = { serverLines: 20_000, threads: 2 };

  test("a generous limit keeps the full maxconn and reports nothing", () => {
    const budget = fdBudget(1_048_576, demand);
    expect(budget.maxconn).toBe(FD.maxconn);
    expect(budget.fits).toBe(true);
    expect(budget.needed).toBe(fixedFdNeed(demand) + 2 * FD.maxconn);
    expect(fdShortage(budget, demand.serverLines)).toBeUndefined();
  });

  test("a short limit lowers maxconn until HAProxy fits, and says so", () => {
    // The limit that failed: 20,000 servers under `ulimit -n 20000` would not fit; 25,000 does,
    // with fewer connections.
    const budget = fdBudget(25_000, demand);
    expect(budget.fits).toBe(true);
    expect(budget.maxconn).toBeLessThan(FD.maxconn);
    expect(budget.maxconn).toBeGreaterThanOrEqual(FD.minMaxconn);
    expect(budget.needed).toBeLessThanOrEqual(25_000);
    expect(budget.needed + 2).toBeGreaterThan(25_000);
    const message = fdShortage(budget, demand.serverLines)!;
    expect(message).toContain("file-descriptor limit (25000) is too low for 20000 server slots");
    expect(message).toContain(`maxconn ${budget.maxconn}`);
    expect(message).toContain("LimitNOFILE=");
  });

  test("a limit below the server lines cannot fit: it names what HAProxy needs", () => {
    const budget = fdBudget(20_000, demand);
    expect(budget.fits).toBe(false);
    expect(budget.maxconn).toBe(FD.minMaxconn);
    expect(budget.needed).toBeGreaterThan(20_000);
    expect(fdShortage(budget, demand.serverLines)).toContain(
      `HAProxy needs at least ${budget.needed}`,
    );
  });

  test("never above the maxconn asked for", () => {
    expect(fdBudget(1_048_576, demand, 500).maxconn).toBe(500);
  });
});
