// The report: `file:line: level: message` lines in file and line order, a summary, and the exit
// code (1 only when a problem is in it).

import { describe, expect, test } from "bun:test";
import {
  createReport,
  formatItem,
  formatReport,
  orderItems,
  reportExitCode,
} from "../../../src/import-confd/report.ts";

describe("import report", () => {
  test("formats an item with and without a line", () => {
    expect(formatItem({ file: "a.toml", line: 3, level: "note", message: "x" })).toBe(
      "a.toml:3: note: x",
    );
    expect(formatItem({ file: "a.toml", level: "problem", message: "y" })).toBe(
      "a.toml: problem: y",
    );
  });

  test("orders items by file (first seen first), then line, keeping ties in order", () => {
    const report = createReport();
    report.add("b", 9, "note", "b9");
    report.add("a", 5, "note", "a5");
    report.add("b", 2, "note", "b2");
    report.add("a", undefined, "action", "a-file");
    report.add("b", 2, "problem", "b2-second");
    expect(orderItems(report.items).map((item) => item.message)).toEqual([
      "b2",
      "b2-second",
      "b9",
      "a-file",
      "a5",
    ]);
  });

  test("ends with a count of each level", () => {
    const report = createReport();
    report.add("f", 1, "problem", "p");
    report.add("f", 2, "note", "n");
    report.add("f", 3, "note", "n2");
    expect(formatReport(report.items)).toBe(
      "f:1: problem: p\nf:2: note: n\nf:3: note: n2\n1 problem(s), 0 action(s), 2 note(s)\n",
    );
  });

  test("exits 1 for a problem, 0 for actions and notes alone", () => {
    const report = createReport();
    report.add("f", 1, "action", "a");
    report.add("f", 2, "note", "n");
    expect(reportExitCode(report.items)).toBe(0);
    report.add("f", 3, "problem", "p");
    expect(reportExitCode(report.items)).toBe(1);
  });
});
