// Parts start in order and stop in reverse; a part that fails to start undoes those before it.

import { describe, expect, test } from "bun:test";
import { type Part, runUntilStopped, startParts } from "../../src/lifecycle.ts";
import { createLogger } from "../../src/log.ts";

function parts(events: string[], failing?: { name: string; when: "start" | "stop" }): Part[] {
  return ["config", "haproxy", "admin", "discovery"].map((name) => ({
    name,
    async start() {
      if (failing?.name === name && failing.when === "start") throw new Error(`${name} failed`);
      events.push(`start ${name}`);
    },
    stop() {
      if (failing?.name === name && failing.when === "stop") throw new Error(`${name} hangs`);
      events.push(`stop ${name}`);
    },
  }));
}

describe("lifecycle", () => {
  test("starts in order and stops in reverse", async () => {
    const events: string[] = [];
    const running = await startParts(
      parts(events),
      createLogger(() => {}),
    );
    await running.stop();
    expect(events).toEqual([
      "start config",
      "start haproxy",
      "start admin",
      "start discovery",
      "stop discovery",
      "stop admin",
      "stop haproxy",
      "stop config",
    ]);
  });

  test("a part that fails to start undoes the started ones and passes the error on", async () => {
    const events: string[] = [];
    await expect(
      startParts(
        parts(events, { name: "admin", when: "start" }),
        createLogger(() => {}),
      ),
    ).rejects.toThrow("admin failed");
    expect(events).toEqual(["start config", "start haproxy", "stop haproxy", "stop config"]);
  });

  test("a part that fails to stop is logged and the rest still stop", async () => {
    const events: string[] = [];
    const lines: string[] = [];
    const running = await startParts(
      parts(events, { name: "admin", when: "stop" }),
      createLogger((line) => lines.push(line), { format: "logfmt" }),
    );
    await running.stop();
    expect(events.slice(4)).toEqual(["stop discovery", "stop haproxy", "stop config"]);
    expect(lines.join("")).toContain('cannot stop admin" error="admin hangs"');
  });

  test("stopping twice stops each part once", async () => {
    const events: string[] = [];
    const running = await startParts(
      parts(events),
      createLogger(() => {}),
    );
    await running.stop();
    await running.stop();
    expect(events.filter((e) => e.startsWith("stop"))).toHaveLength(4);
  });
});

describe("runUntilStopped", () => {
  test("runs the parts until a stop is requested, stops them in reverse, disposes the signals", async () => {
    const events: string[] = [];
    let requestStop = () => {};
    const stopRequested = new Promise<void>((resolve) => {
      requestStop = resolve;
    });
    const signals = { stopRequested, dispose: () => events.push("disposed") };
    const running = runUntilStopped(
      parts(events),
      signals,
      createLogger(() => {}),
    );
    await Bun.sleep(5);
    expect(events).toEqual(["start config", "start haproxy", "start admin", "start discovery"]);
    requestStop();
    expect(await running).toBe(0);
    expect(events.slice(4)).toEqual([
      "stop discovery",
      "stop admin",
      "stop haproxy",
      "stop config",
      "disposed",
    ]);
  });

  test("a part that fails to start still disposes the signals", async () => {
    const events: string[] = [];
    const signals = {
      stopRequested: new Promise<void>(() => {}),
      dispose: () => events.push("disposed"),
    };
    const failing = { name: "admin", when: "start" as const };
    await expect(
      runUntilStopped(
        parts(events, failing),
        signals,
        createLogger(() => {}),
      ),
    ).rejects.toThrow("admin failed");
    expect(events.at(-1)).toBe("disposed");
  });
});
