// systemd's watchdog (WatchdogSec=): WATCHDOG=1 every half WATCHDOG_USEC from a timer on the event
// loop. It proves only that the event loop runs; etcd or HAProxy trouble never stops it, so an etcd
// outage cannot make systemd kill the load balancer.

/** Bun turns a timer delay above this into 1 ms (see FACTS): the interval never exceeds it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the environment says about the watchdog. */
export type WatchdogSetting =
  | { enabled: true; intervalMs: number }
  | { enabled: false; reason: string | undefined };

/**
 * The ping interval from WATCHDOG_USEC (half of it, as sd_watchdog_enabled(3) advises), when the
 * watchdog is meant for this process: WATCHDOG_PID, if set, must be `pid`. `reason` says why a
 * value that is set is not used; it is undefined when there is no watchdog at all.
 */
export function watchdogSetting(
  environment: Record<string, string | undefined>,
  pid: number,
): WatchdogSetting {
  const usecText = environment.WATCHDOG_USEC;
  if (usecText === undefined || usecText === "") return { enabled: false, reason: undefined };
  const pidText = environment.WATCHDOG_PID;
  if (pidText !== undefined && pidText !== "" && pidText !== String(pid)) {
    return { enabled: false, reason: `WATCHDOG_PID=${pidText} is not this process (${pid})` };
  }
  if (!/^\d{1,19}$/.test(usecText) || Number(usecText) === 0) {
    return {
      enabled: false,
      reason: `WATCHDOG_USEC=${JSON.stringify(usecText)} is not a positive integer`,
    };
  }
  const halfMs = Number(usecText) / 2000;
  return { enabled: true, intervalMs: Math.min(MAX_TIMER_MS, Math.max(1, Math.floor(halfMs))) };
}

/** Interval timers; the default is setInterval, unref'd so that it never keeps sluice alive. */
export type IntervalTimers = {
  every(ms: number, callback: () => void): () => void;
};

const realIntervals: IntervalTimers = {
  every(ms, callback) {
    const timer = setInterval(callback, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/**
 * Sends WATCHDOG=1 now and every `intervalMs`; returns the function that stops it. `ping` must
 * not throw (the notifier never does).
 */
export function startWatchdog(
  ping: () => void,
  intervalMs: number,
  timers: IntervalTimers = realIntervals,
): () => void {
  ping();
  return timers.every(intervalMs, ping);
}
