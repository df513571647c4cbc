// The /metrics families of what the daemon counted as it happened (see metrics-observations.ts).

import { eventLoopLagMetric } from "./event-loop-lag.ts";
import type { Metric } from "./metrics-format.ts";
import type { ObservationsView } from "./metrics-observations.ts";

/** What was counted as it happened: applies by path, failures, rollbacks, the histograms. */
export function observedMetrics(observed: ObservationsView): Metric[] {
  return [
    {
      name: "sluice_changes_applied_total",
      type: "counter",
      help: 'Applies that changed what HAProxy serves, by path: "runtime_api" (no reload), "reload", "start".',
      samples: Object.entries(observed.applied).map(([via, value]) => ({ labels: { via }, value })),
    },
    {
      name: "sluice_apply_failures_total",
      type: "counter",
      help: "Applies that failed (template, haproxy -c, reload); the previous config kept serving.",
      samples: [{ value: observed.applyFailures }],
    },
    {
      name: "sluice_rollbacks_total",
      type: "counter",
      help: "Reloads or starts that failed after the new haproxy.cfg was written, and put the last good copy back.",
      samples: [{ value: observed.rollbacks }],
    },
    {
      name: "sluice_haproxy_reload_duration_seconds",
      type: "histogram",
      help: "How long each reload of a running HAProxy took, until the new worker answered (failed ones too).",
      histogram: observed.reloadDuration,
    },
    {
      name: "sluice_propagation_latency_seconds",
      type: "histogram",
      help: "From an etcd change arriving to HAProxy routing it, for every apply of a change.",
      histogram: observed.propagationLatency,
    },
    ...(observed.eventLoopLag ? [eventLoopLagMetric(observed.eventLoopLag)] : []),
  ];
}
