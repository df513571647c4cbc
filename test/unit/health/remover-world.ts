// A small world for remover tests: a fake etcd holding registrations, a health snapshot that
// follows it, the real election on the fake etcd, and conditions the test can break.

import type { HealthConfig } from "../../../src/config/schema.ts";
import type { RemovalStore } from "../../../src/health/election-store.ts";
import { createLeadership } from "../../../src/health/leader.ts";
import type { CheckedBackend } from "../../../src/health/removal-policy.ts";
import { createRemover } from "../../../src/health/remover.ts";
import { createLogger } from "../../../src/log.ts";
import { createFakeRemovalEtcd, createManualClock } from "./fake-removal-etcd.ts";

export const REMOVE_AFTER_MS = 2000;

export type WorldOptions = {
  /** Servers per service, all up at first. */
  services: Record<string, number>;
  config?: Partial<HealthConfig>;
  /** Removed keys stay in the health snapshot (the model has not followed etcd yet). */
  lag?: boolean;
  /** Wraps the store the remover uses (to interfere between its read and its delete). */
  wrapStore?: (store: RemovalStore) => RemovalStore;
};

export async function createWorld(options: WorldOptions) {
  const clock = createManualClock();
  const etcd = createFakeRemovalEtcd(clock);
  const lines: string[] = [];
  const events: { type: string; data: Record<string, unknown> }[] = [];
  const log = createLogger((line) => lines.push(line), { format: "logfmt" });
  const backends: CheckedBackend[] = [];
  for (const [service, count] of Object.entries(options.services)) {
    for (let index = 1; index <= count; index++) {
      const key = `/apps/${service}/${service}-${index}`;
      etcd.put(key, `127.0.0.1:${9000 + index}`);
      backends.push({ service, key, state: "up", lastError: null });
    }
  }
  const conditions = {
    stale: false,
    etcd: { connected: true, synced: true },
    haproxyProblem: undefined as string | undefined,
  };
  const config: HealthConfig = {
    enabled: true,
    type: "tcp",
    path: "/",
    host: "",
    expectStatus: "",
    intervalMs: 500,
    timeoutMs: 250,
    rise: 1,
    fall: 2,
    jitter: 0,
    removeAfterMs: REMOVE_AFTER_MS,
    maxEjectionPercent: 10,
    panicThreshold: 50,
    leaderTtlMs: 2000,
    ...options.config,
  };
  const client = etcd.client();
  const leadership = createLeadership({
    store: client,
    prefix: "/apps/",
    ttlMs: config.leaderTtlMs,
    identity: "host-a:1",
    clock,
    log,
  });
  leadership.start();
  await leadership.step();
  const remover = createRemover({
    health: {
      snapshot: () =>
        backends
          .filter((backend) => options.lag || etcd.keys.has(backend.key))
          .map((b) => ({ ...b })),
      stale: () => conditions.stale,
    },
    leadership,
    store: options.wrapStore ? options.wrapStore(client) : client,
    conditions: {
      etcd: () => conditions.etcd,
      haproxyProblem: async () => conditions.haproxyProblem,
    },
    config,
    pollMs: 500,
    clock,
    log,
    publish: (type, data) => events.push({ type, data }),
  });

  return {
    clock,
    etcd,
    lines,
    /** What the remover published (removal, removal_held). */
    events,
    backends,
    conditions,
    leadership,
    remover,
    /** Marks the backends down now, at the store's current revision, as the monitor would. */
    kill(keys: string[], lastError = "L4CON Connection refused") {
      for (const backend of backends) {
        if (!keys.includes(backend.key)) continue;
        backend.state = "down";
        backend.downSinceMs = clock.now();
        backend.downSinceRevision = etcd.revision();
        backend.lastError = lastError;
      }
    },
    revive(keys: string[]) {
      for (const backend of backends) {
        if (!keys.includes(backend.key)) continue;
        backend.state = "up";
        backend.downSinceMs = undefined;
        backend.downSinceRevision = undefined;
        backend.lastError = null;
      }
    },
    keysOf: (service: string) => backends.filter((b) => b.service === service).map((b) => b.key),
    /** Registered keys left of `service`. */
    left: (service: string) =>
      [...etcd.keys.keys()].filter((k) => k.startsWith(`/apps/${service}/`)),
    /** Advances the clock by `ms`, running the leadership's rounds as its loop would (every
     * 500 ms), and polls. */
    async pollAfter(ms: number) {
      await this.wait(ms);
      await remover.poll();
    },
    /** Advances the clock by `ms` with the leadership's rounds, without a poll. */
    async wait(ms: number) {
      for (let left = ms; left > 0; left -= 500) {
        clock.advance(Math.min(left, 500));
        await leadership.step();
      }
    },
  };
}
