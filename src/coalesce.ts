// Collapses bursts of changes: run after `minWaitMs` of quiet, but never later than `maxWaitMs`
// after the first change of the burst.

export type Coalescer = {
  /** Notes a change; `run` will be called once for the whole burst. */
  poke(): void;
  cancel(): void;
};

export type Timers = {
  set(callback: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  now(): number;
};

const realTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export function createCoalescer(
  run: () => void,
  minWaitMs: number,
  maxWaitMs: number,
  timers: Timers = realTimers,
): Coalescer {
  let firstAt: number | undefined;
  let handle: unknown;
  const fire = () => {
    handle = undefined;
    firstAt = undefined;
    run();
  };
  return {
    poke() {
      if (minWaitMs === 0) {
        // No quiet time: run in this tick, once for every change that arrived in it.
        if (handle === undefined) {
          handle = true;
          queueMicrotask(() => {
            if (handle === true) fire();
          });
        }
        return;
      }
      const now = timers.now();
      firstAt ??= now;
      if (handle !== undefined) timers.clear(handle);
      const wait = Math.max(0, Math.min(minWaitMs, firstAt + maxWaitMs - now));
      handle = timers.set(fire, wait);
    },
    cancel() {
      if (handle !== undefined && handle !== true) timers.clear(handle);
      handle = undefined;
      firstAt = undefined;
    },
  };
}
