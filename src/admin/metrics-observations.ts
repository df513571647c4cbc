// What /metrics counts as it happens, beyond the status document: histograms of reload durations
// and of propagation latency, failed applies, rollbacks and applies by path. Pure counters; the
// daemon feeds them through the hooks of the apply record and the applier.

/** Upper bounds of a histogram's buckets, ascending; +Inf is implied. */
export type Buckets = readonly number[];

export type HistogramSnapshot = {
  bounds: Buckets;
  /** Observations per bucket (not cumulative): `counts[i]` fell in (bounds[i-1], bounds[i]]. */
  counts: number[];
  sum: number;
  count: number;
};

export type Histogram = {
  observe(value: number): void;
  snapshot(): HistogramSnapshot;
};

export function createHistogram(bounds: Buckets): Histogram {
  const counts = bounds.map(() => 0);
  let sum = 0;
  let count = 0;
  return {
    observe(value) {
      const index = bounds.findIndex((bound) => value <= bound);
      if (index >= 0) counts[index]!++;
      sum += value;
      count++;
    },
    snapshot: () => ({ bounds, counts: [...counts], sum, count }),
  };
}

/** Reloads take from tens of milliseconds to the drain of a busy worker. */
export const RELOAD_BUCKETS: Buckets = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** A runtime update routes in milliseconds; a coalesced reload in a second or two. */
export const PROPAGATION_BUCKETS: Buckets = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** How an apply changed what HAProxy serves. */
export type AppliedVia = "runtime_api" | "reload" | "start";

export type Observations = {
  /** A successful apply that changed what HAProxy serves; `latencyMs` from the etcd change. */
  applied(via: AppliedVia, latencyMs: number | undefined): void;
  applyFailed(): void;
  /** A reload (or start) failed and the last good config was put back. */
  rolledBack(): void;
  /** A reload of a running HAProxy took `ms`. */
  reloaded(ms: number): void;
  view(): ObservationsView;
};

export type ObservationsView = {
  applied: Record<AppliedVia, number>;
  applyFailures: number;
  rollbacks: number;
  reloadDuration: HistogramSnapshot;
  propagationLatency: HistogramSnapshot;
  /** The event loop's lag (event-loop-lag.ts), when the daemon samples it. */
  eventLoopLag?: HistogramSnapshot;
};

export function createObservations(): Observations {
  const applied: Record<AppliedVia, number> = { runtime_api: 0, reload: 0, start: 0 };
  const reloadDuration = createHistogram(RELOAD_BUCKETS);
  const propagationLatency = createHistogram(PROPAGATION_BUCKETS);
  const counts = { applyFailures: 0, rollbacks: 0 };
  return {
    applied(via, latencyMs) {
      applied[via]++;
      if (latencyMs !== undefined) propagationLatency.observe(latencyMs / 1000);
    },
    applyFailed: () => void counts.applyFailures++,
    rolledBack: () => void counts.rollbacks++,
    reloaded: (ms) => reloadDuration.observe(ms / 1000),
    view: () => ({
      applied: { ...applied },
      ...counts,
      reloadDuration: reloadDuration.snapshot(),
      propagationLatency: propagationLatency.snapshot(),
    }),
  };
}
