// HAProxy's file descriptors in status and the log.

import { describe, expect, test } from "bun:test";
import { createFdReport } from "../../src/fd-report.ts";
import { fdBudget } from "../../src/haproxy/fd-budget.ts";
import { createLogger } from "../../src/log.ts";
import type { Layout } from "../../src/model/layout.ts";

const demand = (serverLines: number) => ({ serverLines, threads: 2 });
/** A served layout: its budget comes from `servedLimit` over `servedLines`. */
const SERVED = new Map() as Layout;

function reportWithLog(servedLimit = 1_048_576, servedLines = 10) {
  const lines: string[] = [];
  const log = createLogger((line) => lines.push(line), { format: "logfmt" });
  const budgetOf = () => ({
    budget: fdBudget(servedLimit, demand(servedLines)),
    serverLines: servedLines,
  });
  return { report: createFdReport(log, budgetOf), lines };
}

describe("the file-descriptor status", () => {
  test("before anything is served every field is null", () => {
    expect(reportWithLog().report.status(undefined, false)).toEqual({
      fd_limit: null,
      fd_needed: null,
      maxconn: null,
      fd_problem: null,
    });
  });

  test("shows the served layout's budget", () => {
    const { report } = reportWithLog(8192, 2500);
    const status = report.status(SERVED, false);
    expect(status.fd_limit).toBe(8192);
    expect(status.maxconn).toBeLessThan(4096);
    expect(status.fd_needed).toBe(fdBudget(8192, demand(2500)).needed);
    expect(status.fd_problem).toContain("HAProxy runs with maxconn");
  });

  test("while applies fail, the refused render's shortage is shown", () => {
    const { report } = reportWithLog();
    const short = fdBudget(4096, demand(5000));
    report.rendered(short, 5000);
    const failing = report.status(SERVED, true);
    expect(failing.fd_needed).toBe(short.needed);
    expect(failing.fd_problem).toContain("HAProxy needs at least");
    // Once an apply succeeds, what is served is shown again.
    expect(report.status(SERVED, false).fd_problem).toBeNull();
  });
});

describe("the file-descriptor log", () => {
  test("a limit too low is logged once, and its end is logged", () => {
    const { report, lines } = reportWithLog();
    const short = fdBudget(4096, demand(5000));
    report.pipelineOptions.onFdBudget(short, 5000);
    report.rendered(fdBudget(4096, demand(6000)), 6000);
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(/^level=warn msg="the file-descriptor limit \(4096\) is too low/);
    expect(lines[0]).toContain(`fd_needed=${short.needed}`);
    report.rendered(fdBudget(1_048_576, demand(5000)), 5000);
    expect(lines.length).toBe(2);
    expect(lines[1]).toContain("holds HAProxy again");
  });

  test("a limit that holds HAProxy logs nothing", () => {
    const { report, lines } = reportWithLog();
    report.rendered(fdBudget(1_048_576, demand(10)), 10);
    expect(lines).toEqual([]);
  });
});
