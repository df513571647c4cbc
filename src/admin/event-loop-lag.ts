// The event loop's lag, as /metrics shows it: a timer due every ~100 ms notes how late it fired
// (a long synchronous stretch of work shows as lag), into a histogram `sluice_event_loop_lag_seconds`.

import type { Metric } from "./metrics-format.ts";
import { type Buckets, createHistogram, type HistogramSnapshot } from "./metrics-observations.ts";

/** From "nothing in the way" to a stall that /healthz would notice. */
export const EVENT_LOOP_LAG_BUCKETS: Buckets = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

export type EventLoopLagOptions = {
  /** How often the lag is sampled, ms. Default 100. */
  intervalMs?: number;
  /** The clock, ms; default `performance.now`. */
  now?: () => number;
};

export type EventLoopLag = {
  name: string;
  start(): void;
  stop(): void;
  /** The lags noted so far, seconds. */
  snapshot(): HistogramSnapshot;
};

/** A sampler of the event loop's lag; its timer does not keep the process alive. */
export function createEventLoopLag(options: EventLoopLagOptions = {}): EventLoopLag {
  const intervalMs = options.intervalMs ?? 100;
  const now = options.now ?? (() => performance.now());
  const histogram = createHistogram(EVENT_LOOP_LAG_BUCKETS);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    const due = now() + intervalMs;
    timer = setTimeout(() => {
      histogram.observe(Math.max(0, now() - due) / 1000);
      arm();
    }, intervalMs);
    timer.unref?.();
  };
  return {
    name: "event loop lag",
    start() {
      if (timer === undefined) arm();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
    snapshot: histogram.snapshot,
  };
}

/** The /metrics family of the lag. */
export function eventLoopLagMetric(snapshot: HistogramSnapshot): Metric {
  return {
    name: "sluice_event_loop_lag_seconds",
    type: "histogram",
    help: "How late a timer due every 100 ms fired: time the event loop was busy with other work.",
    histogram: snapshot,
  };
}
