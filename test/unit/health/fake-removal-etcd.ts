// An in-memory etcd for the election and the removals: keys with create and mod revisions,
// leases that expire on a manual clock, and outages. Several candidates share one store through
// `client()`, each able to be cut off alone (a partition) or all at once (etcd down).

import { DiscoveryError } from "../../../src/errors.ts";
import type {
  CampaignRequest,
  Candidate,
  ElectionStore,
  Fence,
  RemovalStore,
} from "../../../src/health/election-store.ts";

type Entry = { value: string; createRevision: number; modRevision: number; lease?: string };

/** Time that moves only when told to. Timers never fire: tests run rounds and polls by hand. */
export function createManualClock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    sleep: async () => {},
    setTimer: () => () => {},
    advance(ms: number) {
      now += ms;
    },
  };
}

export type ManualClock = ReturnType<typeof createManualClock>;

export function createFakeRemovalEtcd(clock: { now(): number }) {
  let revision = 1;
  let nextLease = 0x700;
  let down = false;
  const keys = new Map<string, Entry>();
  const leases = new Map<string, { ttlMs: number; expiresAt: number }>();
  const deletes: string[] = [];

  function expire(): void {
    for (const [id, lease] of leases) {
      if (clock.now() >= lease.expiresAt) revokeLease(id);
    }
  }
  function revokeLease(id: string): void {
    leases.delete(id);
    for (const [key, entry] of keys) {
      if (entry.lease === id) {
        keys.delete(key);
        revision++;
      }
    }
  }
  function reach(cut: () => boolean): void {
    if (down || cut()) throw new DiscoveryError("etcd 127.0.0.1:2379: unavailable");
    expire();
  }
  function leaderOf(prefix: string): Candidate | undefined {
    let first: Candidate | undefined;
    for (const [key, entry] of keys) {
      if (!key.startsWith(prefix)) continue;
      if (!first || entry.createRevision < first.createRevision) {
        first = { key, identity: entry.value, createRevision: entry.createRevision };
      }
    }
    return first;
  }

  const etcd = {
    keys,
    leases,
    /** Keys deleted through removals, in order. */
    deletes,
    revision: () => revision,
    put(key: string, value: string, lease?: string): number {
      const entry = keys.get(key);
      revision++;
      keys.set(key, {
        value,
        createRevision: entry?.createRevision ?? revision,
        modRevision: revision,
        lease,
      });
      return revision;
    },
    setDown(value: boolean) {
      down = value;
    },
    /** Drops every lease, as an etcd that lost them would. */
    dropLeases() {
      for (const id of [...leases.keys()]) revokeLease(id);
    },
    /** What one candidate sees; `cut()` true cuts it off alone. */
    client(cut: () => boolean = () => false): ElectionStore & RemovalStore & { closed: boolean } {
      return {
        closed: false,
        async grant(ttlSeconds) {
          reach(cut);
          const id = String(nextLease++);
          leases.set(id, { ttlMs: ttlSeconds * 1000, expiresAt: clock.now() + ttlSeconds * 1000 });
          return id;
        },
        async keepAlive(id) {
          reach(cut);
          const lease = leases.get(id);
          if (!lease) return 0;
          lease.expiresAt = clock.now() + lease.ttlMs;
          return lease.ttlMs / 1000;
        },
        async campaign(request: CampaignRequest) {
          reach(cut);
          if (!leases.has(request.lease)) throw new DiscoveryError("requested lease not found");
          if (!keys.has(request.key)) etcd.put(request.key, request.identity, request.lease);
          const own = keys.get(request.key)!;
          return { createRevision: own.createRevision, leader: leaderOf(request.prefix) };
        },
        async revoke(id) {
          reach(cut);
          revokeLease(id);
        },
        async modRevision(key) {
          reach(cut);
          return keys.get(key)?.modRevision;
        },
        async deleteIfUnchanged(key: string, modRevision: number, fence: Fence) {
          reach(cut);
          const leads = keys.get(fence.key)?.createRevision === fence.createRevision;
          if (!leads) return "not-leader";
          if (keys.get(key)?.modRevision !== modRevision) return "changed";
          keys.delete(key);
          revision++;
          deletes.push(key);
          return "deleted";
        },
        close() {
          this.closed = true;
        },
      };
    },
  };
  return etcd;
}

export type FakeRemovalEtcd = ReturnType<typeof createFakeRemovalEtcd>;
