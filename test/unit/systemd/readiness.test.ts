// The readiness sequence with a fake sender: READY=1 once HAProxy serves; RELOADING=1 (with
// MONOTONIC_USEC) then READY=1 around each reload, failed ones too; STOPPING=1 last; STATUS=
// lines only when they change, once for a burst.

import { describe, expect, test } from "bun:test";
import type { Timers } from "../../../src/coalesce.ts";
import { createReadiness } from "../../../src/systemd/readiness.ts";
import type { StatusFacts } from "../../../src/systemd/status-line.ts";

/** Timers that fire only when the test says so. */
function manualTimers() {
  let now = 0;
  const pending = new Map<number, { at: number; callback: () => void }>();
  let next = 0;
  const timers: Timers = {
    set(callback, ms) {
      pending.set(++next, { at: now + ms, callback });
      return next;
    },
    clear: (handle) => pending.delete(handle as number),
    now: () => now,
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [handle, timer] of [...pending]) {
      if (timer.at > now) continue;
      pending.delete(handle);
      timer.callback();
    }
  };
  return { timers, advance, pending: () => pending.size };
}

function readinessWith(facts: Partial<Omit<StatusFacts, "serving">> = {}) {
  const sent: string[] = [];
  const current: Omit<StatusFacts, "serving"> = {
    counts: { services: 2, backends: 5 },
    etcdConnected: true,
    problem: undefined,
    ...facts,
  };
  const clock = manualTimers();
  const readiness = createReadiness({
    notifier: {
      send: (lines) => sent.push(lines.join("|")) > 0,
      monotonicMicros: () => "123456789",
    },
    facts: () => current,
    timers: clock.timers,
  });
  return { readiness, sent, current, ...clock };
}

describe("readiness", () => {
  test("READY=1 is sent once, when HAProxy first serves", () => {
    const { readiness, sent } = readinessWith();
    expect(readiness.state()).toBe("starting");
    readiness.serving();
    readiness.serving();
    expect(sent).toEqual(["READY=1|STATUS=serving 2 services, 5 backends; etcd connected"]);
    expect(readiness.state()).toBe("ready");
  });

  test("a reload is RELOADING=1 with MONOTONIC_USEC, then READY=1, in separate datagrams", async () => {
    const { readiness, sent } = readinessWith();
    readiness.serving();
    const order: string[] = [];
    const result = await readiness.reloading(async () => {
      order.push(`inside: ${sent.at(-1)}`);
      return "reloaded";
    });
    expect(result).toBe("reloaded");
    expect(order).toEqual([
      "inside: RELOADING=1|MONOTONIC_USEC=123456789|STATUS=reloading haproxy",
    ]);
    expect(sent.slice(1)).toEqual([
      "RELOADING=1|MONOTONIC_USEC=123456789|STATUS=reloading haproxy",
      "READY=1|STATUS=serving 2 services, 5 backends; etcd connected",
    ]);
  });

  test("a failed reload still ends with READY=1 (the old workers serve), saying it failed", async () => {
    const { readiness, sent } = readinessWith();
    readiness.serving();
    await expect(
      readiness.reloading(async () => {
        throw new Error("haproxy -c: unknown keyword 'frontnd'");
      }),
    ).rejects.toThrow("unknown keyword");
    expect(sent.at(-2)).toStartWith("RELOADING=1|");
    expect(sent.at(-1)).toBe(
      "READY=1|STATUS=serving 2 services, 5 backends; etcd connected; last change failed, the old config keeps serving: haproxy -c: unknown keyword 'frontnd'",
    );
    expect(readiness.state()).toBe("ready");
  });

  test("nested and overlapping reloads send one RELOADING=1 and one READY=1", async () => {
    const { readiness, sent } = readinessWith();
    readiness.serving();
    let releaseOuter = () => {};
    const outer = readiness.reloading(
      () => new Promise<void>((resolve) => (releaseOuter = resolve)),
    );
    await readiness.reloading(async () => {
      await readiness.reloading(async () => {});
    });
    expect(sent.filter((line) => line.startsWith("READY=1"))).toHaveLength(1);
    releaseOuter();
    await outer;
    expect(sent.slice(1).map((line) => line.split("|")[0])).toEqual(["RELOADING=1", "READY=1"]);
  });

  test("a reload window before HAProxy first served sends nothing; serving sends READY=1", async () => {
    const { readiness, sent } = readinessWith();
    await readiness.reloading(async () => readiness.serving());
    expect(sent.map((line) => line.split("|")[0])).toEqual(["READY=1"]);
  });

  test("STOPPING=1 ends it: a reload finishing afterwards sends no READY=1", async () => {
    const { readiness, sent } = readinessWith();
    readiness.serving();
    await readiness.reloading(async () => readiness.stopping());
    readiness.stopping();
    readiness.serving();
    expect(sent.slice(1).map((line) => line.split("|")[0])).toEqual(["RELOADING=1", "STOPPING=1"]);
    expect(readiness.state()).toBe("stopping");
  });

  test("STATUS= follows changes, once for a burst, and only when the line differs", () => {
    const { readiness, sent, current, advance } = readinessWith({ etcdConnected: false });
    readiness.changed();
    advance(100);
    expect(sent).toEqual(["STATUS=starting: waiting for etcd (no last good config to serve)"]);
    readiness.serving();
    current.etcdConnected = true;
    // A burst of changes within the quiet time: one line.
    for (let i = 0; i < 10; i++) {
      current.counts = { services: 2 + i, backends: 5 };
      readiness.changed();
      advance(50);
    }
    advance(400);
    expect(sent.slice(2)).toEqual([
      // At most one line per 400 ms while changes keep coming.
      "STATUS=serving 9 services, 5 backends; etcd connected",
      "STATUS=serving 11 services, 5 backends; etcd connected",
    ]);
    readiness.changed();
    advance(400);
    expect(sent).toHaveLength(4);
    current.etcdConnected = false;
    readiness.changed();
    advance(100);
    expect(sent.at(-1)).toBe(
      "STATUS=etcd disconnected, serving the last known state (11 services, 5 backends)",
    );
  });

  test("stopping cancels a pending STATUS= line", () => {
    const { readiness, sent, advance, pending } = readinessWith();
    readiness.changed();
    readiness.stopping();
    expect(pending()).toBe(0);
    advance(1000);
    expect(sent.map((line) => line.split("|")[0])).toEqual(["STOPPING=1"]);
  });
});
