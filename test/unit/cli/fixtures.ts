// Canned admin API answers for lbctl's unit tests, in the shapes the daemon serves.

import type { Status } from "../../../src/status.ts";

export const STATUS: Status = {
  version: "1.2.3",
  etcd: {
    state: "watching",
    connected: true,
    revision: 42,
    endpoint: "http://10.0.0.1:2379",
    synced: true,
    stale: false,
    source: "etcd",
    relists: 3,
    reconnects: 1,
    last_error: null,
  },
  haproxy: {
    state: "running",
    running: true,
    mode: "master-worker",
    pid: 10,
    workers: [11],
    reloads: 2,
    restarts: 0,
    runtime_updates: 5,
    last_reload_at: null,
    responsive: false,
    problem: "show info timed out after 1s",
    fd_limit: 1048576,
    fd_needed: 8498,
    maxconn: 4096,
    fd_problem: null,
  },
  apply: {
    state: "idle",
    fast_path: "ready",
    applies: 4,
    last_ok_at: "2026-01-01T00:00:00.000Z",
    last_error: null,
    pending: false,
    next_retry_at: null,
    next_reload_at: null,
    background_reloads: 0,
    revision: 42,
    last_latency_ms: 1,
    config_synced: true,
  },
  services: 1,
  backends: 2,
  default_service: "web",
  rejected: [],
  rejected_total: 0,
  held: [],
  health: {
    enabled: true,
    up: 1,
    down: 1,
    maint: 0,
    unchecked: 0,
    stale: false,
    panic: false,
    leader: null,
    is_leader: false,
    removals: 0,
    removal_held: [],
  },
  overrides: [
    {
      key: "/apps/web/b",
      service: "web",
      backend: "web-22",
      action: "drain",
      since: "2026-01-01T00:02:00.000Z",
    },
  ],
  templates: [],
};

const server = (name: string, address: string, extra: Record<string, unknown>) => ({
  key: `/apps/web/${name}`,
  name,
  host: address.split(":")[0],
  port: Number(address.split(":")[1]),
  address,
  weight: 1,
  drain: false,
  meta: {},
  ...extra,
});

export const WEB = {
  name: "web",
  balance: "roundrobin",
  hostnames: ["web.example", "www.example"],
  servers: [
    server("web-1", "10.0.0.5:9000", {
      health: { state: "up", since: "2026-01-01T00:00:00.000Z", last_error: null },
      override: null,
    }),
    server("web-22", "10.0.0.6:9000", {
      weight: 10,
      drain: true,
      health: { state: "down", since: "2026-01-01T00:01:00.000Z", last_error: "L4 timeout\n" },
      override: "drain",
    }),
  ],
};

export const PLAN = {
  revision: 43,
  plan: {
    kind: "runtime",
    ops: [
      {
        backend: "be_web",
        server: "s1",
        commands: ["set server be_web/s1 weight 5", "set server be_web/s1 state ready"],
        why: "weight 1 -> 5",
      },
    ],
  },
  held: [{ service: "web", held: 1, of: 2, reason: "would drop 50% > 30%" }],
};

export const DIFF =
  "--- served\n+++ next\n@@ -1,2 +1,2 @@\n server s1 a\n-server s2 b\n+server s2 c\n";

export const EVENTS = [
  {
    id: 1,
    type: "change",
    at: "2026-01-01T00:00:00.000Z",
    data: { key: "/apps/web/a", kind: "put", revision: 5 },
  },
  {
    id: 2,
    type: "reload",
    at: "2026-01-01T00:00:01.000Z",
    data: { ok: false, duration_ms: 12, error: "haproxy -c: bad line" },
  },
  {
    id: 3,
    type: "health",
    at: "2026-01-01T00:00:02.000Z",
    data: {
      service: "web",
      server: "web-1",
      key: "/apps/web/a",
      from: "up",
      to: "down",
      error: null,
    },
  },
];
