// The removal leadership: an etcd election on a lease of `leader_ttl`. Each instance puts a key
// under the election prefix on its own lease; the key with the lowest create revision leads. A
// lease etcd no longer holds (or one not renewed for a whole TTL) is given up and the instance
// campaigns again on a new one, as the etcd3 client's own leases never do. The leader acts only
// while its last renewal was sent less than TTL/2 ago, so a partitioned leader stops well before
// its lease can expire and another take over; every removal also carries a fence (the leader's
// key at its create revision) that etcd checks in the same transaction.

import { describeError } from "../errors.ts";
import type { Clock } from "../haproxy/clock.ts";
import type { Logger } from "../log.ts";
import { createLogThrottle } from "../log-throttle.ts";
import { createStateMachine } from "../state.ts";
import { candidateKey, electionPrefix } from "./election-key.ts";
import type { Candidate, ElectionStore, Fence } from "./election-store.ts";
import type { LeaderStateName, Leadership, LeadershipStatus } from "./leadership.ts";

export type LeadershipOptions = {
  store: ElectionStore;
  /** The registration prefix (`[etcd] prefix`); the election lives outside it. */
  prefix: string;
  /** Lease TTL, ms, whole seconds. */
  ttlMs: number;
  /** `hostname:pid` unless set. */
  identity: string;
  clock: Clock;
  log: Logger;
  /** Time between rounds (a renewal and a look at who leads), ms. Default min(TTL/4, 500 ms):
   * at least two renewals fit in the TTL/2 a leader may act on, and a follower sees a dead
   * leader's key go (etcd expires leases every 500 ms) within about half a second. */
  stepMs?: number;
};

type HeldLease = { id: string; key: string; createRevision: number; renewedAt: number };

const TRANSITIONS = {
  idle: ["granting", "stopped"],
  granting: ["campaigning", "stopped"],
  campaigning: ["leading", "granting", "stopped"],
  leading: ["campaigning", "granting", "stopped"],
  stopped: [],
} as const satisfies Record<LeaderStateName, readonly LeaderStateName[]>;

/** Takes part in the removal leader's election through `options.store`. */
export function createLeadership(options: LeadershipOptions): Leadership {
  return new ElectionCandidate(options);
}

/** One instance in the election, moved through the named states by `step`. */
class ElectionCandidate implements Leadership {
  private readonly machine = createStateMachine<LeaderStateName>("leadership", "idle", TRANSITIONS);
  private readonly warnings;
  private readonly stepMs: number;
  private lease: HeldLease | undefined;
  /** A lease given up locally that etcd may still hold: revoked before the next is granted. */
  private abandoned: string | undefined;
  private leader: Candidate | undefined;
  /** Set by stop: nothing acts, and no round starts, from then on. */
  private stopping = false;
  private cancel: (() => void) | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: LeadershipOptions) {
    this.stepMs = options.stepMs ?? Math.min(options.ttlMs / 4, 500);
    const now = () => options.clock.now();
    this.warnings = createLogThrottle({ windowMs: 30_000, perWindow: 1, now });
  }

  start(): void {
    this.machine.moveTo("granting");
    this.schedule(0);
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.cancel?.();
    // A round stuck on an unreachable etcd is not waited for beyond a round's time.
    await Promise.race([this.inFlight, this.options.clock.sleep(this.stepMs)]);
    const { lease } = this;
    this.lease = undefined;
    this.leader = undefined;
    this.machine.moveTo("stopped");
    // Resigning needs etcd: after renewals failed for TTL/2, the lease just ends with its TTL.
    const resigned = lease && this.fresh(lease) ? await this.resign(lease.id) : false;
    if (lease)
      this.options.log.info("left the removal leader election", { lease: lease.id, resigned });
    this.options.store.close();
  }

  fence(): Fence | undefined {
    const { lease } = this;
    if (this.stopping || !this.machine.is("leading") || !lease || !this.fresh(lease)) {
      return undefined;
    }
    return { key: lease.key, createRevision: lease.createRevision };
  }

  status(): LeadershipStatus {
    return {
      state: this.machine.current(),
      identity: this.options.identity,
      leader: this.leader?.identity ?? null,
      isLeader: this.fence() !== undefined,
    };
  }

  async step(): Promise<void> {
    if (this.stopping || this.machine.is("idle", "stopped")) return;
    if (this.machine.is("granting")) {
      try {
        await this.grant();
      } catch (error) {
        this.warn("cannot join the removal leader election", error);
        return;
      }
    } else if (this.lease) {
      await this.renew(this.lease);
    }
    if (this.stopping || !this.lease) return;
    await this.observe(this.lease);
    if (!this.stopping && this.lease) this.settle(this.lease);
  }

  private schedule(ms: number): void {
    this.cancel = this.options.clock.setTimer(ms, () => {
      this.inFlight = this.step().finally(() => {
        this.inFlight = undefined;
        if (!this.stopping) this.schedule(this.stepMs);
      });
    });
  }

  /** Whether the last renewal was sent less than TTL/2 ago: the lease then has at least TTL/2
   * left at etcd, room for clock drift and a removal in flight. */
  private fresh(lease: HeldLease): boolean {
    return this.options.clock.now() - lease.renewedAt < this.options.ttlMs / 2;
  }

  private warn(message: string, error: unknown): void {
    // After stop, calls fail on the closed client: nobody needs to hear it.
    if (this.stopping) return;
    if (this.warnings.admit(message).admitted) {
      this.options.log.warn(message, { error: describeError(error) });
    }
  }

  private async grant(): Promise<void> {
    const { store, clock, ttlMs, prefix } = this.options;
    if (this.abandoned !== undefined) {
      await store.revoke(this.abandoned);
      this.abandoned = undefined;
    }
    const sentAt = clock.now();
    const id = await store.grant(ttlMs / 1000);
    if (this.stopping) {
      this.abandoned = id;
      return;
    }
    this.lease = { id, key: candidateKey(prefix, id), createRevision: 0, renewedAt: sentAt };
    this.machine.moveTo("campaigning");
  }

  private async renew(lease: HeldLease): Promise<void> {
    const { store, clock, ttlMs } = this.options;
    // The lease lives at least a TTL from when etcd got this request, so from when it was sent.
    const sentAt = clock.now();
    try {
      const ttl = await store.keepAlive(lease.id);
      if (ttl <= 0) return this.giveUp("etcd no longer holds the lease");
      lease.renewedAt = sentAt;
    } catch (error) {
      this.warn("cannot renew the removal election lease", error);
      if (clock.now() - lease.renewedAt >= ttlMs) this.giveUp(`not renewed for ${ttlMs} ms`);
    }
  }

  private giveUp(reason: string): void {
    if (!this.lease || this.stopping) return;
    const message = this.machine.is("leading")
      ? "lost the removal leadership"
      : "election lease lost";
    this.options.log.warn(`${message}; campaigning again on a new lease`, {
      reason,
      lease: this.lease.id,
    });
    this.abandoned = this.lease.id;
    this.lease = undefined;
    this.machine.moveTo("granting");
  }

  private async observe(lease: HeldLease): Promise<void> {
    const { store, prefix, identity } = this.options;
    try {
      const result = await store.campaign({
        prefix: electionPrefix(prefix),
        key: lease.key,
        identity,
        lease: lease.id,
      });
      lease.createRevision = result.createRevision;
      this.leader = result.leader;
    } catch (error) {
      // The last answer stands: leading needs fresh renewals anyway.
      this.warn("cannot read the removal leader", error);
    }
  }

  private settle(lease: HeldLease): void {
    const { log, identity, ttlMs } = this.options;
    const { leader } = this;
    const first = leader?.key === lease.key && leader.createRevision === lease.createRevision;
    if (first && this.fresh(lease)) {
      if (this.machine.is("leading")) return;
      this.machine.moveTo("leading");
      log.info("leading the removal of dead backends", { identity, lease: lease.id });
    } else if (this.machine.is("leading")) {
      this.machine.moveTo("campaigning");
      const reason = first ? `lease not renewed for ${ttlMs / 2} ms` : "another instance leads";
      log.warn("removal leadership suspended", { reason, leader: leader?.identity });
    }
  }

  /** Revokes the lease (deleting the key, so another leads at once); whether that worked. */
  private async resign(id: string): Promise<boolean> {
    try {
      await this.options.store.revoke(id);
      return true;
    } catch (error) {
      this.options.log.warn("cannot resign the removal leadership", {
        error: describeError(error),
      });
      return false;
    }
  }
}
