// Reload pacing: at most one reload per `[apply] min_reload_interval`. A reload wanted sooner
// waits until the interval since the last one has passed, and that wait is where the changes
// arriving meanwhile join it. It also holds the one background reload scheduled, so that status
// can say when the next reload is due.

export type ReloadPacerOptions = {
  /** `[apply] min_reload_interval`, ms; 0 turns pacing off. */
  intervalMs: number;
  /** The clock, epoch ms. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Runs `run` after `ms`; returns what cancels it. */
  setTimer?: (run: () => void, ms: number) => () => void;
};

export type ReloadPacer = {
  /** How long a reload wanted now must wait for the interval, ms (0: it may run now). */
  delayMs(): number;
  /**
   * Waits `minMs` (`reload_wait`), and longer when the interval since the last reload has not
   * passed; `nextAt` says when meanwhile. `cancel` ends the wait early.
   */
  wait(minMs: number): Promise<void>;
  /** Notes a reload that just finished: the next one waits the interval from now. */
  reloaded(): void;
  /**
   * Runs `job` once a reload may run, and not before `minMs` from now, unless a job is scheduled
   * already (the one scheduled covers it). Returns whether it scheduled one.
   */
  schedule(job: () => void, minMs: number): boolean;
  /** When the next reload is due (epoch ms): the one waiting, or the one scheduled; else
   * undefined. */
  nextAt(): number | undefined;
  /** Drops the scheduled job and ends a wait. */
  cancel(): void;
};

const defaultTimer = (run: () => void, ms: number) => {
  const timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
};

export function createReloadPacer(options: ReloadPacerOptions): ReloadPacer {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => Bun.sleep(ms));
  const setTimer = options.setTimer ?? defaultTimer;
  let lastReloadAt: number | undefined;
  let waitingUntil: number | undefined;
  let wake: (() => void) | undefined;
  let scheduled: { at: number; cancel: () => void } | undefined;

  const delayMs = () =>
    lastReloadAt === undefined ? 0 : Math.max(0, lastReloadAt + options.intervalMs - now());

  return {
    delayMs,
    async wait(minMs) {
      const ms = Math.max(minMs, delayMs());
      waitingUntil = now() + ms;
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      try {
        await Promise.race([sleep(ms), woken]);
      } finally {
        waitingUntil = undefined;
        wake = undefined;
      }
    },
    reloaded() {
      lastReloadAt = now();
    },
    schedule(job, minMs) {
      if (scheduled) return false;
      const ms = Math.max(minMs, delayMs());
      const entry = { at: now() + ms, cancel: () => {} };
      scheduled = entry;
      entry.cancel = setTimer(() => {
        if (scheduled === entry) scheduled = undefined;
        job();
      }, ms);
      return true;
    },
    nextAt() {
      const due = [waitingUntil, scheduled?.at].filter((at) => at !== undefined);
      return due.length === 0 ? undefined : Math.min(...due);
    },
    cancel() {
      scheduled?.cancel();
      scheduled = undefined;
      wake?.();
    },
  };
}
