// An in-memory etcd for registrar tests: leases that expire on a clock, keys on leases, and
// faults (unreachable, refused) switched by the test, with a hook called before every call.

import { DiscoveryError } from "../../../src/errors.ts";
import type { Clock } from "../../../src/haproxy/clock.ts";
import type { LeaseId, RegistrationStore } from "../../../src/register/store.ts";

/** A clock whose time jumps to each timer as it fires (on the next macrotask), so a registrar
 * runs through minutes of its schedule in milliseconds. */
export class JumpClock implements Clock {
  time = 1_000_000;

  now(): number {
    return this.time;
  }

  async sleep(ms: number): Promise<void> {
    this.time += ms;
  }

  setTimer(ms: number, callback: () => void): () => void {
    const timer = setTimeout(() => {
      this.time += ms;
      callback();
    }, 0);
    return () => clearTimeout(timer);
  }
}

export type StoreCall = { at: number; method: string; ok: boolean };

export class FakeStore implements RegistrationStore {
  leases = new Map<LeaseId, { ttlMs: number; expiresAt: number }>();
  kvs = new Map<string, { value: string; lease: LeaseId }>();
  calls: StoreCall[] = [];
  /** Every call fails as if etcd did not answer. */
  down = false;
  /** Every call fails as if etcd refused the credentials. */
  refuse = false;
  closed = false;
  /** Called before each call: tests script faults and stops here. */
  onCall: (method: string) => void = () => {};
  private nextId = 7000;

  constructor(private readonly clock: Clock) {}

  /** What etcd does by itself: the lease ends and its keys go with it. */
  loseLease(lease: LeaseId): void {
    this.leases.delete(lease);
    for (const [key, kv] of this.kvs) if (kv.lease === lease) this.kvs.delete(key);
  }

  /** The methods called, in order, and whether each succeeded. */
  methods(): string[] {
    return this.calls.map((call) => `${call.method}${call.ok ? "" : "!"}`);
  }

  private enter(method: string): void {
    this.onCall(method);
    for (const [lease, state] of this.leases) {
      if (state.expiresAt <= this.clock.now()) this.loseLease(lease);
    }
    const ok = !this.refuse && !this.down;
    this.calls.push({ at: this.clock.now(), method, ok });
    if (this.refuse) throw new DiscoveryError("etcd fake: permission denied", { refused: true });
    if (this.down) throw new DiscoveryError("etcd fake: connection refused");
  }

  async grant(ttlSeconds: number): Promise<LeaseId> {
    this.enter("grant");
    const lease = String(this.nextId++);
    const ttlMs = ttlSeconds * 1000;
    this.leases.set(lease, { ttlMs, expiresAt: this.clock.now() + ttlMs });
    return lease;
  }

  async keepAlive(lease: LeaseId): Promise<number> {
    this.enter("keepAlive");
    const state = this.leases.get(lease);
    if (!state) return 0;
    state.expiresAt = this.clock.now() + state.ttlMs;
    return state.ttlMs / 1000;
  }

  async put(key: string, value: string, lease: LeaseId): Promise<{ replaced: boolean }> {
    this.enter("put");
    if (!this.leases.has(lease)) throw new DiscoveryError("etcd fake: requested lease not found");
    const replaced = this.kvs.has(key);
    this.kvs.set(key, { value, lease });
    return { replaced };
  }

  async putIfOwned(key: string, value: string, lease: LeaseId): Promise<boolean> {
    this.enter("putIfOwned");
    if (this.kvs.get(key)?.lease !== lease) return false;
    this.kvs.set(key, { value, lease });
    return true;
  }

  async leaseOf(key: string): Promise<LeaseId | undefined> {
    this.enter("leaseOf");
    return this.kvs.get(key)?.lease;
  }

  async deleteIfOwned(key: string, lease: LeaseId): Promise<boolean> {
    this.enter("deleteIfOwned");
    if (this.kvs.get(key)?.lease !== lease) return false;
    this.kvs.delete(key);
    return true;
  }

  async delete(key: string): Promise<boolean> {
    this.enter("delete");
    return this.kvs.delete(key);
  }

  async revoke(lease: LeaseId): Promise<void> {
    this.enter("revoke");
    this.loseLease(lease);
  }

  endpoint(): string {
    return "http://fake:2379";
  }

  close(): void {
    this.closed = true;
  }
}
