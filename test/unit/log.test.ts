import { describe, expect, test } from "bun:test";
import { createLogger, isLogLevel } from "../../src/log.ts";

const at = () => new Date("2026-12-01T10:00:00.000Z");

function capture(options: Parameters<typeof createLogger>[1] = {}) {
  const lines: string[] = [];
  const log = createLogger((line) => lines.push(line), { now: at, ...options });
  return { lines, log };
}

describe("createLogger", () => {
  test("writes one JSON object per line by default, fields kept with their types", () => {
    const { lines, log } = capture();
    log.info("etcd connected", { revision: 42, connected: true, endpoint: "http://a:2379" });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith("\n")).toBe(true);
    expect(lines[0]!.slice(0, -1)).not.toContain("\n");
    expect(JSON.parse(lines[0]!)).toEqual({
      time: "2026-12-01T10:00:00.000Z",
      level: "info",
      msg: "etcd connected",
      revision: 42,
      connected: true,
      endpoint: "http://a:2379",
    });
  });

  test("a message with newlines and quotes stays on one line", () => {
    const { lines, log } = capture();
    log.error('bad "value"\nsecond line', { error: "a\nb", time: "not the timestamp" });
    expect(lines[0]!.split("\n")).toHaveLength(2);
    const parsed = JSON.parse(lines[0]!);
    expect(parsed.msg).toBe('bad "value"\nsecond line');
    expect(parsed.time).toBe("2026-12-01T10:00:00.000Z");
    expect(parsed.field_time).toBe("not the timestamp");
  });

  test("logfmt stays available", () => {
    const { lines, log } = capture({ format: "logfmt" });
    log.warn("runtime update failed", { error: "no such server", code: 3 });
    expect(lines).toEqual([
      'level=warn msg="runtime update failed" error="no such server" code=3\n',
    ]);
  });

  test("writes info and above by default, and the level changes at runtime", () => {
    const { lines, log } = capture();
    log.debug("hidden");
    expect(lines).toHaveLength(0);
    expect(log.level()).toBe("info");
    log.setLevel("debug");
    log.debug("runtime command", { command: "set server web/s1 state ready" });
    expect(JSON.parse(lines[0]!).level).toBe("debug");
    log.setLevel("error");
    log.warn("hidden too");
    log.error("shown");
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(["runtime command", "shown"]);
  });

  test("isLogLevel knows the four levels", () => {
    expect(["debug", "info", "warn", "error"].every(isLogLevel)).toBe(true);
    expect(isLogLevel("trace")).toBe(false);
    expect(isLogLevel(1)).toBe(false);
  });
});
