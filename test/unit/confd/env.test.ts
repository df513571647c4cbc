import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { datetime, fileExists, getenv } from "../../../src/confd/env.ts";
import { formatTime, GoTime } from "../../../src/confd/time.ts";

describe("getenv", () => {
  const environment = { SET: "value", EMPTY: "" };

  test("returns the variable when it is set and not empty", () => {
    expect(getenv(environment, "SET", "default")).toBe("value");
  });

  test("an unset or empty variable takes the default, else is empty", () => {
    expect(getenv(environment, "EMPTY", "default")).toBe("default");
    expect(getenv(environment, "UNSET", "default")).toBe("default");
    expect(getenv(environment, "UNSET")).toBe("");
  });
});

describe("fileExists", () => {
  test("is true for an existing file or directory, false for a missing one", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-confd-"));
    try {
      writeFileSync(join(dir, "f"), "x");
      expect(fileExists(join(dir, "f"))).toBe(true);
      expect(fileExists(dir)).toBe(true);
      expect(fileExists(join(dir, "missing"))).toBe(false);
      expect(fileExists("")).toBe(false);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe("time", () => {
  const moment = new Date(Date.UTC(2026, 0, 5, 14, 3, 9, 120));
  const utc = new GoTime(moment, 0, "UTC");
  const east = new GoTime(moment, 90, "XST");

  test("prints like Go's Time.String()", () => {
    expect(utc.goString()).toBe("2026-01-05 14:03:09.12 +0000 UTC");
    expect(east.goString()).toBe("2026-01-05 15:33:09.12 +0130 XST");
  });

  test("formats Go reference-time layouts", () => {
    const table: [layout: string, expected: string][] = [
      ["2006-01-02T15:04:05Z07:00", "2026-01-05T14:03:09Z"],
      ["Mon Jan _2 15:04:05 2006", "Mon Jan  5 14:03:09 2026"],
      ["Monday, January 2, 2006 3:04 PM", "Monday, January 5, 2026 2:03 PM"],
      ["02/01/06 03:04:05.000 pm", "05/01/26 02:03:09.120 pm"],
      ["15:04:05.999999", "14:03:09.12"],
      ["002 MST -0700", "005 UTC +0000"],
      ["Month", "Month"],
    ];
    for (const [layout, expected] of table) expect(formatTime(utc, layout)).toBe(expected);
    expect(formatTime(east, "2006-01-02T15:04:05-07:00 Z0700")).toBe(
      "2026-01-05T15:33:09+01:30 +0130",
    );
  });

  test("datetime reads the clock it is given", () => {
    const now = datetime(() => moment);
    expect(now.date).toBe(moment);
    expect(now).toBeInstanceOf(GoTime);
  });
});
