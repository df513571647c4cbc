import { describe, expect, test } from "bun:test";
import { createHealthTracker, type Observation } from "../../../src/health/tracker.ts";

const T0 = Date.parse("2026-12-01T10:00:00.000Z");

function seen(state: Observation["state"], fields: Partial<Observation> = {}): Observation {
  return {
    service: "web",
    name: "web-1",
    key: "/apps/web/1",
    address: "10.0.0.1:8080",
    state,
    checkStatus: state === "down" ? 8 : 6,
    error: state === "down" ? "L4CON Layer4 connection problem" : null,
    stateAgeMs: 0,
    ...fields,
  };
}

const none = new Set<string>();

describe("the health tracker", () => {
  test("a first sighting records the state with HAProxy's age, as a transition from null", () => {
    const tracker = createHealthTracker();
    const transitions = tracker.observe([seen("up", { stateAgeMs: 5000 })], none, {
      nowMs: T0,
      revision: 7,
    });
    expect(transitions).toEqual([
      {
        service: "web",
        name: "web-1",
        key: "/apps/web/1",
        address: "10.0.0.1:8080",
        from: null,
        to: "up",
        at: "2026-12-01T09:59:55.000Z",
        lastError: null,
      },
    ]);
    expect(tracker.get("/apps/web/1")).toEqual({
      service: "web",
      name: "web-1",
      key: "/apps/web/1",
      address: "10.0.0.1:8080",
      state: "up",
      since: "2026-12-01T09:59:55.000Z",
      lastError: null,
    });
  });

  test("up → down → up: since, downSinceMs and downSinceRevision follow the clock and etcd", () => {
    const tracker = createHealthTracker();
    tracker.observe([seen("up")], none, { nowMs: T0, revision: 7 });
    expect(tracker.observe([seen("up")], none, { nowMs: T0 + 1000, revision: 8 })).toEqual([]);
    const down = tracker.observe([seen("down")], none, { nowMs: T0 + 2000, revision: 9 });
    expect(down.map((t) => [t.from, t.to, t.at, t.lastError])).toEqual([
      ["up", "down", "2026-12-01T10:00:02.000Z", "L4CON Layer4 connection problem"],
    ]);
    expect(tracker.get("/apps/web/1")).toMatchObject({
      state: "down",
      since: "2026-12-01T10:00:02.000Z",
      downSinceMs: T0 + 2000,
      downSinceRevision: 9,
    });
    // Still down later, at a newer revision: the down clock does not move.
    tracker.observe([seen("down")], none, { nowMs: T0 + 9000, revision: 12 });
    expect(tracker.get("/apps/web/1")).toMatchObject({
      downSinceMs: T0 + 2000,
      downSinceRevision: 9,
    });
    const up = tracker.observe([seen("up")], none, { nowMs: T0 + 10_000, revision: 12 });
    expect(up.map((t) => [t.from, t.to])).toEqual([["down", "up"]]);
    const health = tracker.get("/apps/web/1")!;
    expect(health.downSinceMs).toBeUndefined();
    expect(health.downSinceRevision).toBeUndefined();
    expect(health.lastError).toBeNull();
  });

  test("a server first seen down is down since HAProxy says, at the revision known now", () => {
    const tracker = createHealthTracker();
    tracker.observe([seen("down", { stateAgeMs: 30_000 })], none, { nowMs: T0, revision: 50 });
    expect(tracker.get("/apps/web/1")).toMatchObject({
      downSinceMs: T0 - 30_000,
      downSinceRevision: 50,
    });
  });

  test("a fuller description of the same failure stays until another status fails", () => {
    const tracker = createHealthTracker();
    tracker.observe([seen("up")], none, { nowMs: T0, revision: 1 });
    tracker.observe([seen("down")], none, { nowMs: T0 + 1, revision: 1 });
    tracker.describe("/apps/web/1", "L4CON Connection refused");
    tracker.observe([seen("down")], none, { nowMs: T0 + 2, revision: 1 });
    expect(tracker.get("/apps/web/1")?.lastError).toBe("L4CON Connection refused");
    // Rising again (a check passed) while still down: the error that took it down stays.
    tracker.observe([seen("down", { checkStatus: 6, error: null })], none, {
      nowMs: T0 + 3,
      revision: 1,
    });
    expect(tracker.get("/apps/web/1")?.lastError).toBe("L4CON Connection refused");
    // Another failure replaces it.
    tracker.observe([seen("down", { checkStatus: 7, error: "L4TOUT Layer4 timeout" })], none, {
      nowMs: T0 + 4,
      revision: 1,
    });
    expect(tracker.get("/apps/web/1")?.lastError).toBe("L4TOUT Layer4 timeout");
  });

  test("servers no longer observed nor kept are forgotten; kept ones keep their health", () => {
    const tracker = createHealthTracker();
    const other = seen("up", { key: "/apps/web/2", name: "web-2" });
    tracker.observe([seen("down"), other], none, { nowMs: T0, revision: 1 });
    tracker.observe([other], new Set(["/apps/web/1"]), { nowMs: T0 + 1, revision: 1 });
    expect(tracker.get("/apps/web/1")?.state).toBe("down");
    tracker.observe([other], none, { nowMs: T0 + 2, revision: 1 });
    expect(tracker.get("/apps/web/1")).toBeUndefined();
    expect(tracker.all().map((health) => health.key)).toEqual(["/apps/web/2"]);
  });

  test("an unchanged poll of 10,000 servers makes no transitions and takes little time", () => {
    const tracker = createHealthTracker();
    const many = Array.from({ length: 10_000 }, (_, i) =>
      seen("up", { key: `/apps/s/${i}`, name: `s${i}` }),
    );
    tracker.observe(many, none, { nowMs: T0, revision: 1 });
    const started = performance.now();
    expect(tracker.observe(many, none, { nowMs: T0 + 1000, revision: 1 })).toEqual([]);
    expect(performance.now() - started).toBeLessThan(100);
  });
});
