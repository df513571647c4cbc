// The health monitor: HAProxy runs the checks; this polls its stats socket, maps each server slot
// to the etcd key it serves, keeps each backend's health, logs transitions and tells listeners.
// It never throws into the daemon: a failed read only marks the data stale.

import { describeError } from "../errors.ts";
import type { Clock } from "../haproxy/clock.ts";
import type { Logger } from "../log.ts";
import { createLogThrottle } from "../log-throttle.ts";
import type { Layout } from "../model/layout.ts";
import type { StatsSource } from "./details.ts";
import { createStateReader, logTransitions } from "./read.ts";
import { createHealthTracker } from "./tracker.ts";
import type { BackendHealth, HealthTransition } from "./types.ts";

/** Polls older than this many intervals make the data stale even without a failed read. */
const STALE_AFTER_POLLS = 3;

export type HealthMonitorOptions = {
  /** `[health] enabled`: without checks nothing is polled and every server is unchecked. */
  enabled: boolean;
  /** Time between two polls, ms: min(shortest check interval, 1 s). */
  pollIntervalMs: number;
  source: StatsSource;
  /** The slot layout HAProxy serves; undefined before the first apply. */
  layout(): Layout | undefined;
  /** The newest etcd revision sluice knows. */
  revision(): number;
  /** Whether HAProxy runs: polls are skipped (and the data goes stale) while it does not. */
  active?(): boolean;
  clock: Clock;
  log: Logger;
};

export type HealthMonitor = {
  start(): void;
  /** Stops polling; resolves when a poll in flight is done. */
  stop(): Promise<void>;
  readonly enabled: boolean;
  /** Time between two polls, ms. */
  readonly pollIntervalMs: number;
  /** Every served server seen so far, by key. */
  snapshot(): BackendHealth[];
  get(key: string): BackendHealth | undefined;
  /** Calls `listener` for each transition; returns a function that stops it. */
  onTransition(listener: (transition: HealthTransition) => void): () => void;
  /** When the last successful poll read HAProxy's state, ms since the epoch. */
  freshAt(): number | undefined;
  /** True until a poll succeeds, after a failed one, and when the last success is older than
   * three intervals: nothing should act on the data then. */
  stale(): boolean;
  /** One poll now (the loop calls it; tests too). Never throws. */
  poll(): Promise<void>;
};

type Listener = (transition: HealthTransition) => void;

/** Logs `transitions` and tells every listener; a listener that throws is logged, not passed on. */
function announce(log: Logger, listeners: Set<Listener>, transitions: readonly HealthTransition[]) {
  logTransitions(log, transitions);
  for (const transition of transitions) {
    for (const listener of listeners) {
      try {
        listener(transition);
      } catch (error) {
        log.warn("a health listener failed", { error: describeError(error) });
      }
    }
  }
}

export function createHealthMonitor(options: HealthMonitorOptions): HealthMonitor {
  const { clock, log } = options;
  const tracker = createHealthTracker();
  const listeners = new Set<Listener>();
  const throttle = createLogThrottle({ windowMs: 60_000, perWindow: 1, now: () => clock.now() });
  const read = createStateReader({ ...options, now: () => clock.now() }, tracker);
  let freshAt: number | undefined;
  let failing = false;
  let cancel: (() => void) | undefined;
  let inFlight: Promise<void> | undefined;
  let running = false;

  async function poll(): Promise<void> {
    if (options.active && !options.active()) return;
    try {
      announce(log, listeners, await read());
      freshAt = clock.now();
      if (failing) log.info("health: reading haproxy's server states again");
      failing = false;
    } catch (error) {
      failing = true;
      if (throttle.admit("read").admitted) {
        log.warn("health: cannot read haproxy's server states; health data is stale", {
          error: describeError(error),
        });
      }
    }
  }

  function schedule(): void {
    if (!running) return;
    cancel = clock.setTimer(options.pollIntervalMs, () => {
      // poll() catches what it can; nothing it misses may reach the daemon either.
      inFlight = poll()
        .catch(() => undefined)
        .finally(() => {
          inFlight = undefined;
          schedule();
        });
    });
  }

  return {
    enabled: options.enabled,
    pollIntervalMs: options.pollIntervalMs,
    start() {
      if (running || !options.enabled) return;
      running = true;
      schedule();
    },
    async stop() {
      running = false;
      cancel?.();
      await inFlight;
    },
    snapshot: () => tracker.all(),
    get: (key) => tracker.get(key),
    onTransition(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    freshAt: () => freshAt,
    stale: () =>
      failing ||
      freshAt === undefined ||
      clock.now() - freshAt > STALE_AFTER_POLLS * options.pollIntervalMs,
    poll,
  };
}
