// The remover: at every poll, when this instance leads and nothing holds removals, deletes from
// etcd the backends down for `remove_after`, each by a compare-and-delete on the mod revision it
// read, within each service's budget per period; freezes in a panic. Never throws into the daemon.

import type { HealthConfig } from "../config/schema.ts";
import { describeError } from "../errors.ts";
import type { Clock } from "../haproxy/clock.ts";
import type { Logger } from "../log.ts";
import { createLogThrottle } from "../log-throttle.ts";
import type { Fence, RemovalOutcome, RemovalStore } from "./election-store.ts";
import type { Leadership } from "./leadership.ts";
import { removalHolds } from "./removal-holds.ts";
import {
  type CheckedBackend,
  createRemovalLedger,
  type DueBackend,
  dueBackends,
  type PanicReading,
  type Restart,
  readPanic,
} from "./removal-policy.ts";
import type { HealthRemoverStatus } from "./types.ts";

/** Where the remover reads health: the monitor (its `BackendHealth` fits `CheckedBackend`). */
export interface HealthSource {
  snapshot(): readonly CheckedBackend[];
  /** True while the data is too old to act on (no successful poll for about three polls). */
  stale(): boolean;
}

/** What else must hold before anything is removed. */
export type RemovalConditions = {
  /** The daemon's etcd watch: removals need it connected and synced. */
  etcd(): { connected: boolean; synced: boolean };
  /** Why HAProxy's checks cannot be trusted now (not running, not answering), or undefined. */
  haproxyProblem(): Promise<string | undefined>;
};

export type RemoverOptions = {
  health: HealthSource;
  leadership: Pick<Leadership, "fence" | "status">;
  store: RemovalStore;
  conditions: RemovalConditions;
  config: Pick<HealthConfig, "enabled" | "removeAfterMs" | "maxEjectionPercent" | "panicThreshold">;
  /** Time between two polls, ms. */
  pollMs: number;
  clock: Clock;
  log: Logger;
  /** Hears each removal and each new reason removals are held (the event bus). */
  publish?: (type: "removal" | "removal_held", data: Record<string, unknown>) => void;
};

/** What status and metrics show of removals. */
export type RemoverStatus = HealthRemoverStatus;

export interface Remover {
  start(): void;
  /** Stops polling; resolves when a poll in flight is done. */
  stop(): Promise<void>;
  /** One poll now (the loop runs it; tests too). Never throws. */
  poll(): Promise<void>;
  status(): RemoverStatus;
}

/** A remover over `options.health`, acting through `options.store` while it leads. */
export function createRemover(options: RemoverOptions): Remover {
  const { health, leadership, clock, log, config } = options;
  const ledger = createRemovalLedger(config.removeAfterMs, config.maxEjectionPercent);
  const restarts = new Map<string, Restart>();
  const warnings = createLogThrottle({ windowMs: 30_000, perWindow: 1, now: () => clock.now() });
  const removeOne = createRemoveOne(options, ledger, restarts, (message, error) => {
    if (warnings.admit(message).admitted) log.warn(message, { error: describeError(error) });
  });
  let panic: PanicReading = { panic: false, down: 0, checked: 0 };
  let panicEndedAtMs = 0;
  // Until the first poll has looked, nothing is known to allow removals.
  let held: string[] = ["not polled yet"];
  let removals = 0;
  let stopped = false;
  let cancel: (() => void) | undefined;
  let inFlight: Promise<void> | undefined;

  async function poll(): Promise<void> {
    const now = clock.now();
    const backends = health.snapshot();
    const current = ledger.refresh(backends, now);
    forgetRestarts(restarts, backends);
    const reading = readPanic(current, config.panicThreshold);
    // Time down during a panic says nothing about one backend: the clocks start again after it.
    if (panic.panic && !reading.panic) panicEndedAtMs = now;
    panic = notePanic(panic, reading, config, log);
    const before = held;
    held = await removalHolds({ ...options, panic });
    for (const reason of held) {
      if (!before.includes(reason)) options.publish?.("removal_held", { reason });
    }
    if (held.length > 0) return;
    for (const due of dueBackends(current, now, config.removeAfterMs, restarts, panicEndedAtMs)) {
      const fence = leadership.fence();
      if (stopped || fence === undefined || health.stale()) break;
      if (ledger.remaining(due.service) === 0) continue;
      const outcome = await removeOne(due, fence);
      if (outcome === "deleted") removals++;
      if (outcome === "not-leader") break;
    }
  }

  function schedule(): void {
    cancel = clock.setTimer(options.pollMs, () => {
      inFlight = poll()
        .catch((error) => log.warn("a removal poll failed", { error: describeError(error) }))
        .finally(() => {
          inFlight = undefined;
          if (!stopped) schedule();
        });
    });
  }

  return {
    start: schedule,
    async stop() {
      stopped = true;
      cancel?.();
      await inFlight;
    },
    poll,
    status() {
      const { leader, isLeader } = leadership.status();
      return { panic: panic.panic, leader, isLeader, removals, held: [...held] };
    },
  };
}

/** Logs a panic once when it begins and once when it ends; returns the new reading. */
function notePanic(
  before: PanicReading,
  now: PanicReading,
  config: Pick<HealthConfig, "panicThreshold">,
  log: Logger,
): PanicReading {
  const fields = { down: now.down, checked: now.checked, threshold: `${config.panicThreshold}%` };
  if (now.panic && !before.panic) {
    log.warn("health panic: too many servers look down at once; removals frozen", fields);
  } else if (!now.panic && before.panic) {
    log.info("health panic over; removals may go ahead", fields);
  }
  return now;
}

/** Drops the restarts that no longer count: the server is gone, up, or down again since. */
function forgetRestarts(restarts: Map<string, Restart>, backends: readonly CheckedBackend[]): void {
  const byKey = new Map(backends.map((backend) => [backend.key, backend]));
  for (const [key, restart] of restarts) {
    const backend = byKey.get(key);
    const stillDown = backend?.state === "down";
    if (!stillDown || (backend.downSinceRevision ?? 0) >= restart.revision) restarts.delete(key);
  }
}

/** The removal of one due backend: read its revision, compare, delete, log. */
function createRemoveOne(
  options: RemoverOptions,
  ledger: ReturnType<typeof createRemovalLedger>,
  restarts: Map<string, Restart>,
  warn: (message: string, error: unknown) => void,
): (due: DueBackend, fence: Fence) => Promise<RemovalOutcome | "skipped"> {
  const { store, clock, log, leadership } = options;
  return async (due, fence) => {
    let revision: number | undefined;
    try {
      revision = await store.modRevision(due.key);
    } catch (error) {
      warn("cannot read a key before removing it", error);
      return "skipped";
    }
    // Gone already: deleted by hand, or by its own lease.
    if (revision === undefined) return "skipped";
    if (revision > due.revision) {
      restarts.set(due.key, { revision, atMs: clock.now() });
      log.info("not removing a backend registered again after it went down; its clock restarts", {
        key: due.key,
        revision,
        down_since_revision: due.revision,
      });
      return "skipped";
    }
    // Leadership may have ended during the read; etcd checks the fence in the delete as well.
    const fenceNow = leadership.fence();
    if (fenceNow === undefined || fenceNow.key !== fence.key) return "not-leader";
    let outcome: RemovalOutcome;
    try {
      outcome = await store.deleteIfUnchanged(due.key, revision, fenceNow);
    } catch (error) {
      warn("cannot remove a dead backend from etcd", error);
      return "skipped";
    }
    const fields = { key: due.key, service: due.service, revision };
    if (outcome === "deleted") {
      ledger.record(due.service, due.key, clock.now());
      const downFor = `${((clock.now() - due.sinceMs) / 1000).toFixed(1)}s`;
      log.info("removed a dead backend from etcd", {
        ...fields,
        down_for: downFor,
        last_error: due.lastError ?? undefined,
      });
      options.publish?.("removal", {
        ...fields,
        down_for_ms: clock.now() - due.sinceMs,
        error: due.lastError ?? null,
      });
    } else if (outcome === "changed") {
      log.warn(
        "not removed: the key changed after it was read; it is read again next time",
        fields,
      );
    } else {
      log.warn("not removed: this instance no longer leads removals", fields);
    }
    return outcome;
  };
}
