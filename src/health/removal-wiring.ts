// Builds the removal of dead backends the daemon runs from sluice.toml (the leader election and
// the remover on etcd, with `[etcd]`'s endpoints, TLS and auth), and its lifecycle part.

import { hostname } from "node:os";
import type { SluiceConfig } from "../config/schema.ts";
import type { Discovery } from "../discovery/types.ts";
import { type Clock, systemClock } from "../haproxy/clock.ts";
import type { Supervisor } from "../haproxy/supervisor.ts";
import type { Part } from "../lifecycle.ts";
import type { Logger } from "../log.ts";
import type { ElectionStore, RemovalStore } from "./election-store.ts";
import { createEtcdRemovalStore } from "./etcd-removal.ts";
import { createLeadership } from "./leader.ts";
import type { Leadership } from "./leadership.ts";
import { createRemover, type HealthSource, type Remover, type RemoverOptions } from "./remover.ts";
import { pollInterval } from "./wiring.ts";

/** Shortest time one etcd call of the election may take before it counts as failed. */
const MIN_CALL_TIMEOUT_MS = 250;

/** The daemon's parts removal reads: health, etcd's watch, HAProxy. */
export type RemovalWiring = {
  health: HealthSource;
  discovery: Pick<Discovery, "state">;
  supervisor: Pick<Supervisor, "status">;
  log: Logger;
  /** The instance's name in the election. Default `hostname:pid`. */
  identity?: string;
  /** etcd for the election and the removals. Default: `[etcd]` through etcd3. */
  store?: ElectionStore & RemovalStore;
  clock?: Clock;
  /** The event bus's publish, for removal and removal_held events. */
  publish?: RemoverOptions["publish"];
};

export type Removal = { remover: Remover; part: Part };

/** The leadership of an instance that removes nothing: it never leads and names no leader. */
const NOT_CAMPAIGNING: Pick<Leadership, "fence" | "status"> = {
  fence: () => undefined,
  status: () => ({ state: "idle", identity: "", leader: null, isLeader: false }),
};

/** Whether this configuration removes dead backends from etcd at all (never with a key file:
 * there is nothing to remove from). */
export function removesBackends(config: SluiceConfig): boolean {
  return config.discovery !== "file" && config.health.enabled && config.health.removeAfterMs > 0;
}

/**
 * The remover of the daemon and its part: started after discovery, stopped before everything
 * (it resigns the leadership then). Without removal configured the remover only tells panic,
 * and nothing talks to etcd.
 */
export function createRemovalFor(config: SluiceConfig, wiring: RemovalWiring): Removal {
  const { log } = wiring;
  const clock = wiring.clock ?? systemClock;
  const { health } = config;
  const callTimeoutMs = Math.max(
    MIN_CALL_TIMEOUT_MS,
    Math.min(config.etcd.dialTimeoutMs, health.leaderTtlMs / 4),
  );
  const store = removesBackends(config)
    ? (wiring.store ?? createEtcdRemovalStore({ etcd: config.etcd, callTimeoutMs }))
    : undefined;
  const leadership = store
    ? createLeadership({
        store,
        prefix: config.etcd.prefix,
        ttlMs: health.leaderTtlMs,
        identity: wiring.identity ?? `${hostname()}:${process.pid}`,
        clock,
        log,
      })
    : undefined;
  const remover = createRemover({
    health: wiring.health,
    leadership: leadership ?? NOT_CAMPAIGNING,
    // Without a leadership nothing reaches the store: the remover is held before any call.
    store: store ?? unusedStore,
    conditions: {
      etcd: () => wiring.discovery.state(),
      async haproxyProblem() {
        const status = await wiring.supervisor.status();
        if (!status.running) return "not running";
        return status.responsive ? undefined : (status.problem ?? "not answering");
      },
    },
    config: health,
    // As often as the monitor polls: each poll of the remover may see a new health snapshot.
    pollMs: pollInterval(config),
    clock,
    log,
    publish: wiring.publish,
  });
  const part: Part = {
    name: "removal of dead backends",
    start() {
      leadership?.start();
      if (health.enabled) remover.start();
    },
    async stop() {
      await remover.stop();
      await leadership?.stop();
    },
  };
  return { remover, part };
}

const unusedStore: RemovalStore = {
  modRevision: () => Promise.reject(new Error("removal is off")),
  deleteIfUnchanged: () => Promise.reject(new Error("removal is off")),
};
