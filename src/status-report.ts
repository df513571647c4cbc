// Builds the status document (/v1/status, `lbctl status`, /metrics) from the parts that know it.

import type { ApplyCycle } from "./apply/cycle.ts";
import type { ApplyRecord } from "./apply/record.ts";
import type { DesiredStore } from "./desired.ts";
import type { Discovery } from "./discovery/types.ts";
import type { FdStatus } from "./fd-report.ts";
import type { Supervisor } from "./haproxy/supervisor.ts";
import type { HealthRemoverStatus } from "./health/types.ts";
import { type HealthReader, healthStatus } from "./health/views.ts";
import { countServers } from "./model/build.ts";
import type { Layout } from "./model/layout.ts";
import { REJECTED_LISTED, shownRejection } from "./model/rejected.ts";
import type { Override } from "./overrides/store.ts";
import type { Reconciler } from "./reconcile/reconciler.ts";
import type { TemplateStatus } from "./resources/record.ts";
import { discoverySource, type Status } from "./status.ts";
import type { StatusFacts } from "./systemd/status-line.ts";
import { VERSION } from "./version.ts";

export type StatusSources = {
  discovery: Discovery;
  supervisor: Supervisor;
  reconciler: Reconciler;
  desired: DesiredStore;
  record: ApplyRecord;
  cycle: ApplyCycle;
  /** The health monitor; without one every server counts as unchecked. */
  health?: HealthReader;
  /** The remover's panic, leader and removals; without one: none. */
  remover?: () => HealthRemoverStatus;
  /** Operator overrides in force; without: none. */
  overrides?: () => Override[];
  /** The `[[template]]` resources' status; without: none. */
  templates?: () => TemplateStatus[];
  /** HAProxy's file descriptors for the served layout, and whether applies fail; without:
   * unknown (nulls). */
  fd?: (served: Layout | undefined, failing: boolean) => FdStatus;
};

const NO_FD: FdStatus = { fd_limit: null, fd_needed: null, maxconn: null, fd_problem: null };

export async function buildStatus(sources: StatusSources): Promise<Status> {
  const { discovery, supervisor, reconciler, desired, record } = sources;
  const etcd = discovery.state();
  const haproxy = await supervisor.status();
  const applies = record.view();
  const served = reconciler.served();
  const retryAt = sources.cycle.nextRetryAt();
  const reloadAt = sources.cycle.nextReloadAt();
  const rejected = reconciler.latest().rejected;
  return {
    version: VERSION,
    etcd: {
      state: etcd.state,
      connected: etcd.connected,
      revision: etcd.revision,
      endpoint: etcd.endpoint ?? null,
      synced: etcd.synced,
      stale: !etcd.connected || desired.source() !== "etcd",
      source: desired.source(),
      relists: etcd.relists,
      reconnects: etcd.reconnects,
      last_error: etcd.lastError ?? null,
    },
    haproxy: {
      state: haproxy.state,
      running: haproxy.running,
      mode: haproxy.mode,
      pid: haproxy.pid ?? null,
      workers: haproxy.workers,
      reloads: haproxy.reloads,
      restarts: haproxy.restarts,
      runtime_updates: reconciler.runtimeUpdates(),
      last_reload_at: haproxy.lastReloadAt ?? null,
      responsive: haproxy.responsive,
      problem: haproxy.problem ?? null,
      ...(sources.fd?.(reconciler.layout(), applies.lastError !== undefined) ?? NO_FD),
    },
    apply: {
      state: sources.cycle.queue.state(),
      fast_path: reconciler.fastPath(),
      applies: applies.applies,
      last_ok_at: applies.lastOkAt ?? null,
      last_error: applies.lastError ?? null,
      pending: desired.changePending() || sources.cycle.queue.pending() || retryAt !== undefined,
      next_retry_at: retryAt === undefined ? null : new Date(retryAt).toISOString(),
      next_reload_at: reloadAt === undefined ? null : new Date(reloadAt).toISOString(),
      background_reloads: sources.cycle.backgroundReloads(),
      revision: applies.revision,
      last_latency_ms: applies.lastLatencyMs ?? null,
      config_synced: reconciler.fileSynced(),
    },
    services: served.services.length,
    backends: countServers(served),
    default_service: (served.defaultService ?? served.services[0]?.name) || null,
    rejected: rejected.slice(0, REJECTED_LISTED).map(shownRejection),
    rejected_total: rejected.length,
    held: reconciler.holds(),
    health: healthStatus(served.services, sources.health, sources.remover),
    overrides: sources.overrides?.() ?? [],
    templates: sources.templates?.() ?? [],
  };
}

/** What systemd's status line says (STATUS=), from the parts that know it. */
export function systemdFacts(
  sources: Pick<StatusSources, "reconciler" | "discovery" | "record">,
): Omit<StatusFacts, "serving"> {
  const served = sources.reconciler.served();
  const { applies, lastError } = sources.record.view();
  return {
    // Before an apply, HAProxy may serve the last good file, whose counts are not known.
    counts:
      applies > 0
        ? { services: served.services.length, backends: countServers(served) }
        : undefined,
    etcdConnected: sources.discovery.state().connected,
    source: discoverySource(sources.discovery.state().endpoint),
    problem: lastError,
  };
}
