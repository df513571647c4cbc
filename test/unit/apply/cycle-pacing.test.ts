// Reload pacing in the apply cycle, on a fake clock: a reload within min_reload_interval of the
// last waits for it and takes the changes meanwhile, runtime updates and an operator's reload
// never wait, and a background reload the reconciler asks for runs once, paced and counted.

import { describe, expect, test } from "bun:test";
import { keySet } from "../desired-fixtures.ts";
import { cycleWith } from "./cycle-fixtures.ts";

const PACED = { reloadWaitMs: 100, minReloadIntervalMs: 1000 };

describe("reload pacing", () => {
  test("a reload within the interval waits until it has passed, then reads the newest state", async () => {
    const calls: string[] = [];
    const { cycle, fake, desired, clock, dueDuringWaits } = cycleWith(calls, PACED);
    fake.nextPlan = { kind: "reload", reasons: ["backend added"] };
    await cycle.queue.request("apply");
    clock.advance(300);
    desired.fromEtcd(keySet([], 5));
    calls.length = 0;
    const result = await cycle.queue.request("apply");
    // The last reload finished 300 ms ago: this one waits the remaining 700 ms, not 100.
    expect(calls).toEqual(["prepare r5", "wait 700ms", "prepare r6", "execute reload r6"]);
    expect(result.revision).toBe(6);
    // While it waited, status said when it would run.
    expect(dueDuringWaits).toEqual([100, 700]);
    expect(cycle.nextReloadAt()).toBeUndefined();
    await cycle.stop();
  });

  test("a runtime update right after a reload does not wait", async () => {
    const calls: string[] = [];
    const { cycle, fake } = cycleWith(calls, PACED);
    fake.nextPlan = { kind: "reload", reasons: ["backend added"] };
    await cycle.queue.request("apply");
    fake.nextPlan = { kind: "runtime", ops: [] };
    calls.length = 0;
    await cycle.queue.request("apply");
    expect(calls).toEqual(["prepare r1", "execute runtime r1"]);
    await cycle.stop();
  });

  test("an operator's reload runs at once, and the next paced reload counts from it", async () => {
    const calls: string[] = [];
    const { cycle, fake, clock } = cycleWith(calls, PACED);
    fake.nextPlan = { kind: "reload", reasons: ["backend added"] };
    await cycle.queue.request("apply");
    calls.length = 0;
    await cycle.queue.request("reload");
    expect(calls).toEqual(["prepare r1 forced", "execute reload r1 forced"]);
    clock.advance(400);
    calls.length = 0;
    await cycle.queue.request("apply");
    expect(calls).toEqual(["prepare r1", "wait 600ms", "prepare r2", "execute reload r2"]);
    await cycle.stop();
  });

  test('with min_reload_interval "0s" a reload right after one waits reload_wait only', async () => {
    const calls: string[] = [];
    const { cycle, fake } = cycleWith(calls, { reloadWaitMs: 100, minReloadIntervalMs: 0 });
    fake.nextPlan = { kind: "reload", reasons: ["backend added"] };
    await cycle.queue.request("apply");
    await cycle.queue.request("apply");
    expect(calls.filter((call) => call.startsWith("wait"))).toEqual(["wait 100ms", "wait 100ms"]);
    await cycle.stop();
  });
});

describe("background reloads", () => {
  test("one runs, paced, after the applies that left it wanted, and is counted", async () => {
    const calls: string[] = [];
    const { cycle, fake, clock, record } = cycleWith(calls, PACED);
    fake.nextPlan = { kind: "reload", reasons: ["backend added"] };
    await cycle.queue.request("apply");
    // Two adds through the runtime API leave the backend short of free slots.
    fake.nextPlan = { kind: "runtime", ops: [] };
    fake.reasons = ["web: 13 of 16 server slots used"];
    await cycle.queue.request("apply");
    await cycle.queue.request("apply");
    // The reload finished just now: the background one waits the whole interval.
    expect(clock.pending()).toEqual([1000]);
    expect(cycle.nextReloadAt()).toBe(clock.now() + 1000);
    expect(cycle.backgroundReloads()).toBe(0);
    calls.length = 0;
    clock.advance(999);
    expect(calls).toEqual([]);
    clock.advance(1);
    const result = await cycle.queue.request("sync");
    expect(calls).toEqual([
      "prepare r1 background: web: 13 of 16 server slots used",
      "execute reload r1 forced",
    ]);
    expect(result.outcome).toBe("reloaded");
    expect(cycle.backgroundReloads()).toBe(1);
    expect(record.view().applies).toBe(4);
    // The reload made room: nothing more is scheduled.
    expect(clock.pending()).toEqual([]);
    expect(cycle.nextReloadAt()).toBeUndefined();
    clock.advance(10_000);
    expect(cycle.backgroundReloads()).toBe(1);
    await cycle.stop();
  });

  test("a stream of changes cannot put it off: merged into an apply, it runs right after it", async () => {
    const calls: string[] = [];
    const { cycle, fake, clock, desired } = cycleWith(calls, PACED);
    fake.reasons = ["web: 13 of 16 server slots used"];
    await cycle.queue.request("apply");
    calls.length = 0;
    clock.advance(100);
    // An add arrives as the timer fires: the background job queued becomes an apply.
    desired.fromEtcd(keySet([], 7));
    await cycle.queue.request("apply");
    expect(calls).toEqual([
      "prepare r7",
      "execute runtime r7",
      "prepare r7 background: web: 13 of 16 server slots used",
      "execute reload r7 forced",
    ]);
    expect(cycle.backgroundReloads()).toBe(1);
    expect(clock.pending()).toEqual([]);
    await cycle.stop();
  });

  test("an add that came in before it runs is routed through the runtime API first", async () => {
    const calls: string[] = [];
    const { cycle, fake, clock, desired } = cycleWith(calls, PACED);
    fake.reasons = ["web: 13 of 16 server slots used"];
    await cycle.queue.request("apply");
    calls.length = 0;
    // The change is in the desired state, but no job for it has run yet when the timer fires.
    desired.fromEtcd(keySet([], 7));
    fake.partialFrom = 7;
    clock.advance(100);
    await cycle.queue.request("sync");
    expect(calls.slice(0, 2)).toEqual(["partial r7", "execute runtime r7"]);
    expect(calls).toContain("execute reload r7 forced");
    expect(cycle.backgroundReloads()).toBe(1);
    await cycle.stop();
  });

  test("none is scheduled while the reconciler wants none", async () => {
    const calls: string[] = [];
    const { cycle, clock } = cycleWith(calls, PACED);
    await cycle.queue.request("apply");
    await cycle.queue.request("sync");
    expect(clock.pending()).toEqual([]);
    expect(cycle.nextReloadAt()).toBeUndefined();
    clock.advance(10_000);
    expect(calls.some((call) => call.includes("background") || call.includes("reload"))).toBe(
      false,
    );
    expect(cycle.backgroundReloads()).toBe(0);
    await cycle.stop();
  });

  test("a reload that ran meanwhile puts it off, and it is dropped once no longer wanted", async () => {
    const calls: string[] = [];
    const { cycle, fake, clock } = cycleWith(calls, PACED);
    fake.reasons = ["web: 3 servers added at runtime wait for slots"];
    fake.keepReasons = true;
    await cycle.queue.request("apply");
    expect(clock.pending()).toEqual([100]);
    // An operator's reload runs before it: the background one waits the interval from there.
    await cycle.queue.request("reload");
    clock.advance(100);
    await cycle.queue.request("sync");
    expect(cycle.backgroundReloads()).toBe(0);
    expect(clock.pending()).toEqual([900]);
    fake.reasons = [];
    clock.advance(900);
    await cycle.queue.request("sync");
    expect(cycle.backgroundReloads()).toBe(0);
    expect(calls.filter((call) => call.includes("background"))).toEqual([]);
    await cycle.stop();
  });

  test("is not followed right away by another when a reload does not clear its reason", async () => {
    const calls: string[] = [];
    const { cycle, fake, clock } = cycleWith(calls, { reloadWaitMs: 0, minReloadIntervalMs: 0 });
    fake.reasons = ["web: 13 of 16 server slots used"];
    fake.keepReasons = true;
    await cycle.queue.request("apply");
    clock.advance(0);
    await cycle.queue.request("sync");
    expect(cycle.backgroundReloads()).toBe(1);
    expect(clock.pending()).toEqual([]);
    // The next apply checks again.
    await cycle.queue.request("apply");
    expect(clock.pending()).toEqual([0]);
    await cycle.stop();
  });
});

describe("while a reload waits", () => {
  test("the membership part of a change is served through the runtime API at once", async () => {
    const calls: string[] = [];
    const { cycle, fake, desired, clock } = cycleWith(calls, PACED);
    fake.nextPlan = { kind: "reload", reasons: ["backend added"] };
    await cycle.queue.request("apply");
    clock.advance(300);
    desired.fromEtcd(keySet([], 5));
    fake.partialFrom = 5;
    calls.length = 0;
    await cycle.queue.request("apply");
    // r5's runtime part goes out before the wait for the interval, the reload after it.
    expect(calls).toEqual([
      "prepare r5",
      "partial r5",
      "execute runtime r5",
      "wait 700ms",
      "prepare r6",
      "execute reload r6",
    ]);
    await cycle.stop();
  });
});
