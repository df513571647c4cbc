// The systemd part: the supervisor it watches sends READY=1 when HAProxy first serves and a reload
// window around each reload; the watchdog pings from the part's start to its stop.

import { describe, expect, test } from "bun:test";
import type { Supervisor } from "../../../src/haproxy/supervisor.ts";
import type { Notifier } from "../../../src/systemd/notify.ts";
import { createSystemdPart } from "../../../src/systemd/part.ts";
import { createMemoryLogger } from "../haproxy/fake-haproxy.ts";

function fakeNotifier(enabled = true) {
  const sent: string[] = [];
  const notifier: Notifier = {
    enabled: () => enabled,
    send: (lines) => sent.push(lines.join("|")) > 0,
    monotonicMicros: () => "42",
    close() {},
  };
  return { notifier, sent };
}

function fakeSupervisor(events: string[], failReload = false): Supervisor {
  let started = false;
  return {
    async start() {
      events.push("haproxy start");
      started = true;
    },
    async reload() {
      events.push("haproxy reload");
      if (failReload) throw new Error("reload failed: worker exited");
    },
    async stop() {
      started = false;
    },
    isStarted: () => started,
    status: async () => {
      throw new Error("not used");
    },
  };
}

function partWith(options: { environment?: Record<string, string>; enabled?: boolean } = {}) {
  const { notifier, sent } = fakeNotifier(options.enabled);
  const ticks: Array<() => void> = [];
  const log = createMemoryLogger();
  const part = createSystemdPart({
    log,
    notifier,
    environment: options.environment ?? {},
    pid: 42,
    facts: () => ({
      counts: { services: 1, backends: 2 },
      etcdConnected: true,
      problem: undefined,
    }),
    intervals: {
      every(_ms, callback) {
        ticks.push(callback);
        return () => ticks.splice(0);
      },
    },
  });
  return { part, sent, ticks, log };
}

describe("systemd part", () => {
  test("READY=1 follows HAProxy's first start, RELOADING=1/READY=1 wrap its reloads", async () => {
    const { part, sent } = partWith();
    const events: string[] = [];
    const supervisor = part.watch(fakeSupervisor(events));
    await supervisor.start();
    await supervisor.reload();
    expect(events).toEqual(["haproxy start", "haproxy reload"]);
    expect(sent.map((line) => line.split("|").slice(0, 2).join("|"))).toEqual([
      "READY=1|STATUS=serving 1 service, 2 backends; etcd connected",
      "RELOADING=1|MONOTONIC_USEC=42",
      "READY=1|STATUS=serving 1 service, 2 backends; etcd connected",
    ]);
    expect(supervisor.isStarted()).toBe(true);
  });

  test("a reload HAProxy refuses ends with READY=1 saying it failed, and still throws", async () => {
    const { part, sent } = partWith();
    const supervisor = part.watch(fakeSupervisor([], true));
    await supervisor.start();
    await expect(supervisor.reload()).rejects.toThrow("worker exited");
    expect(sent.at(-1)).toContain("READY=1|STATUS=");
    expect(sent.at(-1)).toContain("failed, the old config keeps serving: reload failed");
  });

  test("with WATCHDOG_USEC the watchdog pings from start to stop", async () => {
    const { part, sent, ticks, log } = partWith({ environment: { WATCHDOG_USEC: "2000000" } });
    await part.start();
    expect(sent.filter((line) => line === "WATCHDOG=1")).toHaveLength(1);
    for (const tick of ticks) tick();
    expect(sent.filter((line) => line === "WATCHDOG=1")).toHaveLength(2);
    expect(log.lines[0]).toContain('systemd watchdog on {"ping_every_ms":1000}');
    await part.stop();
    expect(ticks).toHaveLength(0);
  });

  test("a watchdog meant for another process is not pinged, and that is logged", async () => {
    const { part, sent, log } = partWith({
      environment: { WATCHDOG_USEC: "2000000", WATCHDOG_PID: "7" },
    });
    await part.start();
    expect(sent.filter((line) => line === "WATCHDOG=1")).toHaveLength(0);
    expect(log.lines[0]).toContain("WATCHDOG_PID=7 is not this process (42)");
    await part.stop();
  });

  test("without NOTIFY_SOCKET there is no watchdog", async () => {
    const { part, ticks } = partWith({ environment: { WATCHDOG_USEC: "2000000" }, enabled: false });
    await part.start();
    expect(ticks).toHaveLength(0);
    await part.stop();
  });
});
