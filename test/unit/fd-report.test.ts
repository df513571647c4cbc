// HAProxy's file descriptors in status and the log.

import { describe, expect, test } from "bun:test";
import { createFdReport } from "../../src/fd-report.ts";
import { fdBudget } from "../../src/haproxy/fd-budget.ts";
import { createLogger } from "../../src/log.ts";

function reportWithLog() {
  const lines: string[] = [];
  const log = createLogger((line) => lines.push(line), { format: "logfmt" });
  return { report: createFdReport(log), lines };
}

describe("the file-descriptor report", () => {
  test("before any render every field is null", () => {
    expect(reportWithLog().report.status()).toEqual({
      fd_limit: null,
      fd_needed: null,
      maxconn: null,
      fd_problem: null,
    });
  });

  test("a limit too low is logged once, shown in status, and its end is logged", () => {
    const { report, lines } = reportWithLog();
    const demand = { serverLines: 5000, threads: 2 };
    const short = fdBudget(4096, demand);
    report.pipelineOptions.onFdBudget(short, 5000);
    report.rendered(short, 5000);
    expect(lines.length).toBe(1);
    expect(lines[0]).toMatch(/^level=warn msg="the file-descriptor limit \(4096\) is too low/);
    expect(lines[0]).toContain(`fd_needed=${short.needed}`);
    const status = report.status();
    expect(status.fd_limit).toBe(4096);
    expect(status.fd_needed).toBe(short.needed);
    expect(status.maxconn).toBe(short.maxconn);
    expect(status.fd_problem).toContain("HAProxy needs at least");
    report.rendered(fdBudget(1_048_576, demand), 5000);
    expect(lines.length).toBe(2);
    expect(lines[1]).toContain("holds HAProxy again");
    expect(report.status().fd_problem).toBeNull();
    expect(report.status().maxconn).toBe(4096);
  });

  test("a limit that holds HAProxy logs nothing", () => {
    const { report, lines } = reportWithLog();
    report.rendered(fdBudget(1_048_576, { serverLines: 10, threads: 2 }), 10);
    expect(lines).toEqual([]);
  });
});

describe("the file-descriptor log", () => {
  test("renders that stay too low log nothing more, even as the numbers change", () => {
    const { report, lines } = reportWithLog();
    report.rendered(fdBudget(4096, { serverLines: 5000, threads: 2 }), 5000);
    report.rendered(fdBudget(4096, { serverLines: 6000, threads: 2 }), 6000);
    report.rendered(fdBudget(4096, { serverLines: 5000, threads: 2 }), 5000);
    expect(lines.length).toBe(1);
    expect(report.status().fd_problem).toContain("5000 server slots");
  });
});
