import { describe, expect, test } from "bun:test";
import { createCoalescer, type Timers } from "../../src/coalesce.ts";

/** Timers driven by `advance`; callbacks run in due order, at their due time. */
function createFakeTimers() {
  let now = 0;
  let nextHandle = 1;
  const pending = new Map<number, { at: number; callback: () => void }>();
  const timers: Timers = {
    set(callback, ms) {
      const handle = nextHandle++;
      pending.set(handle, { at: now + ms, callback });
      return handle;
    },
    clear(handle) {
      pending.delete(handle as number);
    },
    now: () => now,
  };
  function advance(ms: number): void {
    const end = now + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of pending) {
        if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      }
      if (!due) break;
      pending.delete(due[0]);
      now = due[1].at;
      due[1].callback();
    }
    now = end;
  }
  return { timers, advance, pending: () => pending.size };
}

function setup(minWaitMs: number, maxWaitMs: number) {
  const clock = createFakeTimers();
  const runs: number[] = [];
  const coalescer = createCoalescer(
    () => runs.push(clock.timers.now()),
    minWaitMs,
    maxWaitMs,
    clock.timers,
  );
  return { clock, runs, coalescer };
}

describe("createCoalescer", () => {
  test("a single change runs once, after min_wait", () => {
    const { clock, runs, coalescer } = setup(10, 100);
    coalescer.poke();
    clock.advance(9);
    expect(runs).toEqual([]);
    clock.advance(1);
    expect(runs).toEqual([10]);
    clock.advance(1000);
    expect(runs).toEqual([10]);
  });

  test("a burst collapses into one run, min_wait after its last change", () => {
    const { clock, runs, coalescer } = setup(10, 100);
    for (let i = 0; i < 20; i++) {
      coalescer.poke();
      clock.advance(3);
    }
    // Last poke at 57: the run comes at 67, once.
    clock.advance(100);
    expect(runs).toEqual([67]);
    expect(clock.pending()).toBe(0);
  });

  test("max_wait bounds a burst that never goes quiet", () => {
    const { clock, runs, coalescer } = setup(10, 50);
    for (let t = 0; t < 200; t += 5) {
      coalescer.poke();
      clock.advance(5);
    }
    clock.advance(1000);
    expect(runs).toEqual([50, 100, 150, 200]);
  });

  test("a change after a run starts a new burst with its own max_wait window", () => {
    const { clock, runs, coalescer } = setup(10, 30);
    coalescer.poke();
    clock.advance(10);
    expect(runs).toEqual([10]);
    clock.advance(40);
    coalescer.poke();
    clock.advance(10);
    expect(runs).toEqual([10, 60]);
  });

  test("cancel drops a pending run", () => {
    const { clock, runs, coalescer } = setup(10, 100);
    coalescer.poke();
    clock.advance(5);
    coalescer.cancel();
    clock.advance(1000);
    expect(runs).toEqual([]);
    coalescer.poke();
    clock.advance(10);
    expect(runs).toEqual([1015]);
  });

  test("min_wait 0 runs once per tick, without a timer", async () => {
    const { runs, coalescer } = setup(0, 0);
    coalescer.poke();
    coalescer.poke();
    expect(runs).toHaveLength(0);
    await Promise.resolve();
    expect(runs).toHaveLength(1);
    coalescer.poke();
    await Promise.resolve();
    expect(runs).toHaveLength(2);
  });
});
