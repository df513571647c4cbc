// The metrics served at GET /metrics: the status document's numbers, and what the daemon counted
// as it happened (histograms, failures, rollbacks), in Prometheus text.

import { HEALTH_STATES } from "../health/types.ts";
import type { Rejected } from "../model/types.ts";
import type { Status } from "../status.ts";
import { formatMetrics, type Metric, type Sample } from "./metrics-format.ts";
import type { ObservationsView } from "./metrics-observations.ts";
import { observedMetrics } from "./metrics-observed.ts";
import { templateMetrics } from "./metrics-templates.ts";

/** 1 for true, 0 for false. */
const asGauge = (value: boolean): number => (value ? 1 : 0);
/** The samples of a metric without labels. */
const singleSample = (value: number): Sample[] => [{ value }];

/** The build and the etcd connection. */
function etcdMetrics(status: Status): Metric[] {
  const { etcd } = status;
  return [
    {
      name: "sluice_build_info",
      type: "gauge",
      help: "Always 1; the version is a label.",
      samples: [{ labels: { version: status.version }, value: 1 }],
    },
    {
      name: "sluice_etcd_connected",
      type: "gauge",
      help: "1 while a watch on etcd is established.",
      samples: singleSample(asGauge(etcd.connected)),
    },
    {
      name: "sluice_etcd_endpoint_info",
      type: "gauge",
      help: "The etcd endpoint in use (or last tried); always 1.",
      samples: etcd.endpoint ? [{ labels: { endpoint: etcd.endpoint }, value: 1 }] : [],
    },
    {
      name: "sluice_etcd_revision",
      type: "gauge",
      help: "etcd revision the key set reflects.",
      samples: singleSample(etcd.revision),
    },
    {
      name: "sluice_etcd_stale",
      type: "gauge",
      help: "1 while what is served is not confirmed by a live etcd connection.",
      samples: singleSample(asGauge(etcd.stale)),
    },
    {
      name: "sluice_etcd_relists_total",
      type: "counter",
      help: "Listings of the prefix after the first: reconnects, compactions, resyncs.",
      samples: singleSample(etcd.relists),
    },
    {
      name: "sluice_etcd_reconnects_total",
      type: "counter",
      help: "Times the etcd watch was established again after being lost.",
      samples: singleSample(etcd.reconnects),
    },
  ];
}

/** The HAProxy processes. */
function haproxyMetrics({ haproxy }: Status): Metric[] {
  return [
    {
      name: "sluice_haproxy_running",
      type: "gauge",
      help: "1 while HAProxy runs.",
      samples: singleSample(asGauge(haproxy.running)),
    },
    {
      name: "sluice_haproxy_workers",
      type: "gauge",
      help: "HAProxy worker processes, old ones included.",
      samples: singleSample(haproxy.workers.length),
    },
    {
      name: "sluice_haproxy_reloads_total",
      type: "counter",
      help: "HAProxy reloads.",
      samples: singleSample(haproxy.reloads),
    },
    {
      name: "sluice_haproxy_restarts_total",
      type: "counter",
      help: "Times HAProxy died and was started again.",
      samples: singleSample(haproxy.restarts),
    },
    {
      name: "sluice_haproxy_runtime_updates_total",
      type: "counter",
      help: "Changes applied through the runtime API, without a reload.",
      samples: singleSample(haproxy.runtime_updates),
    },
  ];
}

/** Applies of new states. */
function applyMetrics({ apply }: Status): Metric[] {
  return [
    {
      name: "sluice_applies_total",
      type: "counter",
      help: "Applies of a new state to HAProxy.",
      samples: singleSample(apply.applies),
    },
    {
      name: "sluice_apply_pending",
      type: "gauge",
      help: "1 while a change from etcd waits to be applied.",
      samples: singleSample(asGauge(apply.pending)),
    },
    {
      name: "sluice_apply_failing",
      type: "gauge",
      help: "1 while the last apply failed (the previous config keeps serving).",
      samples: singleSample(asGauge(apply.last_error !== null)),
    },
    {
      name: "sluice_background_reloads_total",
      type: "counter",
      help: "Reloads sluice made on its own, to add or shrink server slots.",
      samples: singleSample(apply.background_reloads),
    },
    {
      name: "sluice_apply_last_latency_seconds",
      type: "gauge",
      help: "From an etcd change arriving to HAProxy routing it, for the last change applied.",
      samples: singleSample((apply.last_latency_ms ?? 0) / 1000),
    },
  ];
}

/** What is served, rejected and held back. */
function servedMetrics(status: Status, rejected: readonly Rejected[]): Metric[] {
  const rejectedByService = new Map<string, number>();
  for (const registration of rejected) {
    const service = registration.key.split("/").at(-2) ?? "";
    rejectedByService.set(service, (rejectedByService.get(service) ?? 0) + 1);
  }
  return [
    {
      name: "sluice_services",
      type: "gauge",
      help: "Services served.",
      samples: singleSample(status.services),
    },
    {
      name: "sluice_backends",
      type: "gauge",
      help: "Backend servers served, by health state (unchecked: checks off or not seen yet).",
      samples: HEALTH_STATES.map((state) => ({ labels: { state }, value: status.health[state] })),
    },
    {
      name: "sluice_rejected_registrations",
      type: "gauge",
      help: "Registrations that failed validation and are not served, by service.",
      samples: [...rejectedByService].map(([service, value]) => ({ labels: { service }, value })),
    },
    {
      name: "sluice_held_removals",
      type: "gauge",
      help: "Servers the guards keep serving although etcd removed them.",
      samples: singleSample(status.held.reduce((sum, hold) => sum + hold.held, 0)),
    },
  ];
}

/** Active checks and removals. */
function healthMetrics({ health }: Status): Metric[] {
  return [
    {
      name: "sluice_health_removals_total",
      type: "counter",
      help: "Dead backends this instance removed from etcd.",
      samples: singleSample(health.removals),
    },
    {
      name: "sluice_health_panic",
      type: "gauge",
      help: "1 while removals are frozen because too many checked backends are down at once.",
      samples: singleSample(asGauge(health.panic)),
    },
    {
      name: "sluice_health_leader",
      type: "gauge",
      help: "1 while this instance is the elected leader that removes dead backends from etcd.",
      samples: singleSample(asGauge(health.is_leader)),
    },
    {
      name: "sluice_health_stale",
      type: "gauge",
      help: "1 while HAProxy's server states could not be read lately.",
      samples: singleSample(asGauge(health.stale)),
    },
  ];
}

function metricsOf(
  status: Status,
  rejected: readonly Rejected[],
  observed: ObservationsView | undefined,
): Metric[] {
  return [
    ...etcdMetrics(status),
    ...haproxyMetrics(status),
    ...applyMetrics(status),
    ...servedMetrics(status, rejected),
    ...healthMetrics(status),
    ...templateMetrics(status),
    ...(observed ? observedMetrics(observed) : []),
  ];
}

/** The Prometheus text of `status`, and of what was `observed` when given. */
export function renderMetrics(
  status: Status,
  rejected: readonly Rejected[] = status.rejected,
  observed?: ObservationsView,
): string {
  return formatMetrics(metricsOf(status, rejected, observed));
}
