// The reload pacer on a fake clock: at most one reload per interval, a wait that lasts until the
// interval has passed (and at least reload_wait), one scheduled background job at a time, and
// the next reload due while one waits or is scheduled.

import { describe, expect, test } from "bun:test";
import { createReloadPacer } from "../../../src/apply/reload-pacer.ts";
import { fakeClock } from "./cycle-fixtures.ts";

/** A pacer on a fake clock whose sleeps move the clock on, noting `nextAt()` as they begin. */
function pacerWith(intervalMs: number) {
  const clock = fakeClock(0);
  const sleeps: Array<{ ms: number; dueIn: number | undefined }> = [];
  const pacer = createReloadPacer({
    intervalMs,
    now: clock.now,
    setTimer: clock.setTimer,
    sleep: async (ms) => {
      const due = pacer.nextAt();
      sleeps.push({ ms, dueIn: due === undefined ? undefined : due - clock.now() });
      clock.advance(ms);
    },
  });
  return { pacer, clock, sleeps };
}

describe("reload pacer", () => {
  test("a reload may run at once before any, then only once the interval has passed", () => {
    const { pacer, clock } = pacerWith(1000);
    expect(pacer.delayMs()).toBe(0);
    pacer.reloaded();
    expect(pacer.delayMs()).toBe(1000);
    clock.advance(300);
    expect(pacer.delayMs()).toBe(700);
    clock.advance(700);
    expect(pacer.delayMs()).toBe(0);
    clock.advance(5000);
    expect(pacer.delayMs()).toBe(0);
  });

  test("a wait lasts until the interval has passed, and nextAt says when meanwhile", async () => {
    const { pacer, clock, sleeps } = pacerWith(1000);
    pacer.reloaded();
    clock.advance(250);
    expect(pacer.nextAt()).toBeUndefined();
    await pacer.wait(100);
    expect(sleeps).toEqual([{ ms: 750, dueIn: 750 }]);
    expect(clock.now()).toBe(1000);
    expect(pacer.delayMs()).toBe(0);
    expect(pacer.nextAt()).toBeUndefined();
  });

  test("a wait lasts reload_wait at least, when the interval has passed already", async () => {
    const { pacer, clock, sleeps } = pacerWith(1000);
    pacer.reloaded();
    clock.advance(950);
    await pacer.wait(100);
    await pacer.wait(100);
    expect(sleeps.map((sleep) => sleep.ms)).toEqual([100, 100]);
  });

  test('"0s" turns pacing off: a reload right after one waits reload_wait only', async () => {
    const { pacer, sleeps } = pacerWith(0);
    pacer.reloaded();
    expect(pacer.delayMs()).toBe(0);
    await pacer.wait(100);
    pacer.reloaded();
    await pacer.wait(0);
    expect(sleeps.map((sleep) => sleep.ms)).toEqual([100, 0]);
  });

  test("one job is scheduled at a time, when a reload may run, and runs once", () => {
    const { pacer, clock } = pacerWith(1000);
    const ran: string[] = [];
    pacer.reloaded();
    clock.advance(400);
    expect(pacer.schedule(() => ran.push("first"), 100)).toBe(true);
    expect(pacer.schedule(() => ran.push("second"), 100)).toBe(false);
    expect(clock.pending()).toEqual([600]);
    expect(pacer.nextAt()).toBe(1000);
    clock.advance(599);
    expect(ran).toEqual([]);
    clock.advance(1);
    expect(ran).toEqual(["first"]);
    expect(pacer.nextAt()).toBeUndefined();
    clock.advance(10_000);
    expect(ran).toEqual(["first"]);
    // Once run, another may be scheduled; with the interval passed it waits reload_wait.
    expect(pacer.schedule(() => ran.push("third"), 100)).toBe(true);
    expect(clock.pending()).toEqual([100]);
  });

  test("nextAt is the earlier of a waiting reload and a scheduled one", async () => {
    const { pacer, clock, sleeps } = pacerWith(1000);
    pacer.schedule(() => {}, 5000);
    expect(pacer.nextAt()).toBe(clock.now() + 5000);
    await pacer.wait(200);
    expect(sleeps).toEqual([{ ms: 200, dueIn: 200 }]);
    expect(pacer.nextAt()).toBe(5000);
  });

  test("cancel drops the scheduled job and ends a wait at once", async () => {
    const clock = fakeClock(0);
    const pacer = createReloadPacer({
      intervalMs: 1000,
      now: clock.now,
      setTimer: clock.setTimer,
      sleep: () => new Promise(() => {}),
    });
    const ran: string[] = [];
    pacer.schedule(() => ran.push("job"), 100);
    const waiting = pacer.wait(100);
    pacer.cancel();
    await waiting;
    clock.advance(1000);
    expect(ran).toEqual([]);
    expect(pacer.nextAt()).toBeUndefined();
    expect(clock.pending()).toEqual([]);
  });
});
