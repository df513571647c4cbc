// The status document served at /v1/status and printed by `lbctl status`.

import type { QueueState } from "./apply/queue.ts";
import type { DiscoveryStateName } from "./discovery/types.ts";
import type { FdStatus } from "./fd-report.ts";
import type { SupervisorState } from "./haproxy/supervisor.ts";
import type { HealthStatus } from "./health/views.ts";
import type { Hold } from "./model/guards.ts";
import type { Rejected } from "./model/types.ts";
import type { Override } from "./overrides/store.ts";
import type { FastPathState } from "./reconcile/types.ts";
import type { TemplateStatus } from "./resources/record.ts";

export type Status = {
  version: string;
  etcd: {
    /** The discovery loop's state name. */
    state: DiscoveryStateName;
    connected: boolean;
    revision: number;
    endpoint: string | null;
    synced: boolean;
    /** True while what is served is not confirmed by a live etcd connection. */
    stale: boolean;
    /** Where the served keys came from: "etcd", "snapshot" (disk, etcd not yet reached), "none". */
    source: "none" | "snapshot" | "etcd";
    relists: number;
    reconnects: number;
    last_error: string | null;
  };
  haproxy: {
    /** The supervisor's state name. */
    state: SupervisorState;
    running: boolean;
    mode: string;
    pid: number | null;
    workers: number[];
    reloads: number;
    restarts: number;
    runtime_updates: number;
    last_reload_at: string | null;
    /** False while HAProxy's worker does not answer `show info` on its stats socket in time. */
    responsive: boolean;
    /** Why HAProxy is not responsive; null while it is. */
    problem: string | null;
  } & FdStatus;
  apply: {
    /** The apply queue's state name. */
    state: QueueState;
    /** The fast path's state name (see reconcile/types.ts). */
    fast_path: FastPathState;
    applies: number;
    last_ok_at: string | null;
    last_error: string | null;
    /** A change or a retry waits, or an apply runs. */
    pending: boolean;
    /** When a failed apply is tried again; null when the last one succeeded. */
    next_retry_at: string | null;
    /** When the next reload is due (one waiting for `reload_wait` or `min_reload_interval`, or a
     * background one scheduled); null when none is. */
    next_reload_at: string | null;
    /** Reloads sluice made on its own, to add or shrink server slots. */
    background_reloads: number;
    /** Revision of the model last applied. */
    revision: number;
    /** From an etcd change arriving to HAProxy routing it, for the last change applied, ms. */
    last_latency_ms: number | null;
    /** Whether haproxy.cfg on disk matches what HAProxy serves (it follows within 500 ms). */
    config_synced: boolean;
  };
  services: number;
  backends: number;
  /** Where unmatched Host headers go in the served config: `[haproxy] default_service`, else
   * the service registered first; null without services. */
  default_service: string | null;
  /** The first 100 rejected registrations, values cut to 256 characters; all at /v1/rejected. */
  rejected: Rejected[];
  /** How many registrations are rejected in all. */
  rejected_total: number;
  /** Removals the guards hold back: those servers keep serving. */
  held: Hold[];
  /** Active checks: served servers by state, and the remover's panic, leader and removals. */
  health: HealthStatus;
  /** Operator overrides in force (drain, maint), oldest first; lost when sluice restarts. */
  overrides: Override[];
  /** The `[[template]]` resources: what each last rendered, changed, checked and reloaded. */
  templates: TemplateStatus[];
};

/** What discovery reads, in words for messages: "the key file" for `discovery = "file"` (its
 * endpoint is `file:<path>`), else "etcd". */
export function discoverySource(endpoint: string | null | undefined): string {
  return endpoint?.startsWith("file:") ? "the key file" : "etcd";
}
