// The rules of removal from etcd, pure: which backends are due, panic, and how many of a service
// may go per `remove_after` period. No I/O and no clock: the remover passes the time in.

/** What removal reads of one backend's health; the monitor's `BackendHealth` has these fields. */
export type CheckedBackend = {
  service: string;
  key: string;
  state: "up" | "down" | "maint" | "unchecked";
  /** While down: when it went down, ms since the epoch. */
  downSinceMs?: number;
  /** While down: the etcd revision sluice knew when it went down. */
  downSinceRevision?: number;
  lastError: string | null;
};

/** A registration seen again after it went down: its clock starts over from `atMs`. */
export type Restart = { revision: number; atMs: number };

/** A backend whose time is up: down since `sinceMs`, at `revision` or before. */
export type DueBackend = CheckedBackend & { sinceMs: number; revision: number };

/**
 * The down backends whose clock has run `removeAfterMs`, oldest first. A restart noted for a key
 * counts while the monitor's clock is older than it. A backend without a down revision is never
 * due: nothing could tell its registration from a newer one.
 */
export function dueBackends(
  backends: readonly CheckedBackend[],
  now: number,
  removeAfterMs: number,
  restarts: ReadonlyMap<string, Restart>,
  /** No backend's clock runs from before this (the end of the last panic), ms. */
  notBeforeMs = 0,
): DueBackend[] {
  const due: DueBackend[] = [];
  for (const backend of backends) {
    if (backend.state !== "down") continue;
    const { downSinceMs, downSinceRevision } = backend;
    if (downSinceMs === undefined || downSinceRevision === undefined) continue;
    const restart = restarts.get(backend.key);
    const restarted = restart !== undefined && restart.revision > downSinceRevision;
    const sinceMs = Math.max(
      restarted ? Math.max(downSinceMs, restart.atMs) : downSinceMs,
      notBeforeMs,
    );
    const revision = restarted ? restart.revision : downSinceRevision;
    if (now - sinceMs >= removeAfterMs) due.push({ ...backend, sinceMs, revision });
  }
  return due.sort((a, b) => a.sinceMs - b.sinceMs || (a.key < b.key ? -1 : 1));
}

/** Down and checked backends across every service, and whether that is a panic. */
export type PanicReading = { panic: boolean; down: number; checked: number };

/**
 * Panic: more than `thresholdPercent` of the checked backends (up or down; maint and unchecked
 * say nothing about the network) are down. Exactly the threshold is not a panic.
 */
export function readPanic(
  backends: readonly CheckedBackend[],
  thresholdPercent: number,
): PanicReading {
  let down = 0;
  let checked = 0;
  for (const backend of backends) {
    if (backend.state === "down") down++;
    if (backend.state === "down" || backend.state === "up") checked++;
  }
  // In whole numbers: down / checked > threshold / 100, without rounding at the edge.
  return { panic: checked > 0 && down * 100 > thresholdPercent * checked, down, checked };
}

/**
 * How many servers of a service may go in one period: `maxEjectionPercent` of its base (rounded
 * down), at least one. The base counts the servers removed in the current episode with the ones
 * it has now, so the share does not shrink as it goes: 10 dead of 20 at 20 % go 4, 4, 2.
 */
export function periodBudget(base: number, maxEjectionPercent: number): number {
  return Math.max(1, Math.floor((base * maxEjectionPercent) / 100));
}

/** One service's removals: how many in the current episode (which lasts while the service has
 * down servers), and when each removal of the last period was. */
type ServiceRecord = { episodeRemovals: number; removedAtMs: number[] };

/** Removals per service, and the removed keys that linger in health until the model follows. */
export type RemovalLedger = {
  /**
   * Takes the health snapshot in: forgets removals older than a period, ends the episode of each
   * service with no down server, counts each service's servers, and returns the backends that
   * count (the removed ones that still linger left out).
   */
  refresh(backends: readonly CheckedBackend[], now: number): CheckedBackend[];
  /** How many more of `service` may go now. */
  remaining(service: string): number;
  record(service: string, key: string, now: number): void;
};

/** A ledger for periods of `periodMs` and at most `maxEjectionPercent` per period. */
export function createRemovalLedger(periodMs: number, maxEjectionPercent: number): RemovalLedger {
  const services = new Map<string, ServiceRecord>();
  /** Removed keys, with when: the health snapshot still lists them until the model follows etcd
   * (milliseconds); one still there after a period (registered again, still down) counts again. */
  const lingering = new Map<string, number>();
  /** Servers of each service at the last refresh, the lingering ones left out. */
  let sizes = new Map<string, number>();
  return {
    refresh(backends, now) {
      const down = new Set(backends.filter((b) => b.state === "down").map((b) => b.key));
      for (const [key, at] of lingering) {
        if (!down.has(key) || now - at >= periodMs) lingering.delete(key);
      }
      const current = backends.filter((backend) => !lingering.has(backend.key));
      sizes = new Map();
      const withDown = new Set<string>();
      for (const backend of current) {
        sizes.set(backend.service, (sizes.get(backend.service) ?? 0) + 1);
        if (backend.state === "down") withDown.add(backend.service);
      }
      for (const [service, record] of services) {
        if (!withDown.has(service)) record.episodeRemovals = 0;
        record.removedAtMs = record.removedAtMs.filter((at) => now - at < periodMs);
        if (record.episodeRemovals === 0 && record.removedAtMs.length === 0) {
          services.delete(service);
        }
      }
      return current;
    },
    remaining(service) {
      const record = services.get(service);
      // A removal moves a server from the size to the episode: the base stays what it was.
      const base = (sizes.get(service) ?? 0) + (record?.episodeRemovals ?? 0);
      const used = record?.removedAtMs.length ?? 0;
      return Math.max(0, periodBudget(base, maxEjectionPercent) - used);
    },
    record(service, key, now) {
      const record = services.get(service) ?? { episodeRemovals: 0, removedAtMs: [] };
      record.episodeRemovals++;
      record.removedAtMs.push(now);
      services.set(service, record);
      lingering.set(key, now);
      sizes.set(service, Math.max(0, (sizes.get(service) ?? 0) - 1));
    },
  };
}
