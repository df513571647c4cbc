// Shared by the admin tests: a status document of a healthy daemon.

import type { Status } from "../../../src/status.ts";

/** A daemon that is synced, running, applied, with one service of one server, up. */
export function healthyStatus(): Status {
  return {
    version: "0.1.0",
    etcd: {
      state: "watching",
      connected: true,
      stale: false,
      source: "etcd",
      revision: 42,
      endpoint: "http://127.0.0.1:2379",
      synced: true,
      relists: 0,
      reconnects: 0,
      last_error: null,
    },
    haproxy: {
      state: "running",
      running: true,
      mode: "master-worker",
      pid: 100,
      workers: [101],
      reloads: 3,
      restarts: 0,
      runtime_updates: 0,
      last_reload_at: "2025-01-01T00:00:00.000Z",
      responsive: true,
      problem: null,
      fd_limit: 1048576,
      fd_needed: 8498,
      maxconn: 4096,
      fd_problem: null,
    },
    apply: {
      state: "idle",
      fast_path: "ready",
      applies: 4,
      last_ok_at: "2025-01-01T00:00:00.000Z",
      last_error: null,
      pending: false,
      next_retry_at: null,
      revision: 42,
      last_latency_ms: 12.5,
      config_synced: true,
    },
    services: 1,
    backends: 1,
    default_service: "web",
    rejected: [{ key: "/apps/web/bad", value: "a 1.2.3.4:0", reason: "port 0 is outside 1-65535" }],
    rejected_total: 1,
    held: [
      {
        service: "api",
        held: 3,
        of: 4,
        reason: "would remove 3 of 4 servers (75 %), more than max_drop_percent = 50",
      },
    ],
    health: {
      enabled: true,
      up: 1,
      down: 0,
      maint: 0,
      unchecked: 0,
      stale: false,
      panic: false,
      leader: null,
      is_leader: false,
      removals: 0,
      removal_held: [],
    },
    overrides: [],
    templates: [],
  };
}
