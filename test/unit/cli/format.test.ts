// `lbctl status` in human form: etcd's connection, endpoint, staleness and counts at a glance.

import { describe, expect, test } from "bun:test";
import { formatStatus } from "../../../src/cli/format.ts";
import type { Status } from "../../../src/status.ts";

function status(etcd: Partial<Status["etcd"]>): Status {
  return {
    version: "1.2.3",
    etcd: {
      state: "watching",
      connected: true,
      revision: 42,
      endpoint: "https://10.0.0.1:2379",
      synced: true,
      stale: false,
      source: "etcd",
      relists: 3,
      reconnects: 1,
      last_error: null,
      ...etcd,
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
      responsive: true,
      problem: null,
    },
    apply: {
      state: "idle",
      fast_path: "ready",
      applies: 4,
      last_ok_at: "2026-01-01T00:00:00.000Z",
      last_error: null,
      pending: false,
      next_retry_at: null,
      revision: 42,
      last_latency_ms: 1,
      config_synced: true,
    },
    services: 1,
    backends: 2,
    default_service: "web",
    rejected: [{ key: "/apps/web/x\n", value: "", reason: "bad" }],
    rejected_total: 1,
    held: [],
    health: {
      enabled: true,
      up: 1,
      down: 0,
      maint: 0,
      unchecked: 0,
      stale: false,
      panic: false,
      leader: null,
      removals: 0,
    },
    overrides: [],
  };
}

describe("formatStatus", () => {
  test("a connected etcd shows the endpoint, the revision and the counts", () => {
    const lines = formatStatus(status({})).split("\n");
    expect(lines[1]).toBe(
      "etcd:     connected to https://10.0.0.1:2379, revision 42, relists 3, reconnects 1",
    );
    expect(lines).toContain('  rejected "/apps/web/x\\n": "bad"');
  });

  test("a lost etcd says so, that the data is stale, and why", () => {
    const text = formatStatus(
      status({ connected: false, stale: true, last_error: "etcd https://10.0.0.1:2379: refused" }),
    );
    expect(text.split("\n")[1]).toBe(
      "etcd:     DISCONNECTED from https://10.0.0.1:2379, revision 42, STALE, relists 3, reconnects 1 (etcd https://10.0.0.1:2379: refused)",
    );
  });
});
