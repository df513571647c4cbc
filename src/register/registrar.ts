// Keeps one registration on an etcd lease: grants a lease and puts the key; renews the lease and
// checks the key; when etcd has lost the lease, grants a new one and puts the key again; when
// someone else deleted or replaced the key, stops without a fight; on stop, drains, deletes the
// key and revokes the lease. etcd sits behind RegistrationStore and time behind a Clock: the
// state machine itself does no I/O.

import { doublingDelay } from "../backoff.ts";
import { describeError, isRetryable } from "../errors.ts";
import type { Clock } from "../haproxy/clock.ts";
import type { Logger } from "../log.ts";
import { REGISTER } from "../tunables.ts";
import type { LeaseId, RegistrationStore } from "./store.ts";

export type RegistrarOptions = {
  store: RegistrationStore;
  key: string;
  value: string;
  /** The value put on the same lease before the drain wait on stop. */
  drainValue: string;
  ttlSeconds: number;
  /** On stop, `drainValue` is put and kept this long before the key is deleted; 0: no drain. */
  drainOnStopMs: number;
  log: Logger;
  clock: Clock;
  /** Retry and stop timings; REGISTER (tunables.ts) by default. */
  timing?: Partial<RegistrarTiming>;
};

export type RegistrarTiming = Omit<typeof REGISTER, "callTimeoutTtlShare" | "minCallTimeoutMs">;

/** How the registrar ended: stopped by a signal, its key removed by someone else, or etcd
 * refused its credentials. `code` is the exit code. */
export type RegistrarOutcome = { code: 0 | 1; reason: "stopped" | "removed" | "refused" };

export interface Registrar {
  /** Runs until stopped, removed or refused. */
  run(): Promise<RegistrarOutcome>;
  /** The first call stops the registrar (after the drain); a second one cuts the drain short. */
  stop(): void;
}

/**
 * `unregistered`: no lease holds the key (at start, or etcd lost the lease): grant and put.
 * `registered`: the lease is renewed and the key is on it. `unreachable`: etcd stopped answering
 * while the lease may still live: renew it as soon as etcd answers. `stopping`, then `ended`.
 */
export type RegistrarPhase = "unregistered" | "registered" | "unreachable" | "stopping" | "ended";

type Next = { waitMs: number } | { end: RegistrarOutcome };

/** The registrar of `options.key`; nothing happens before `run()`. */
export class LeaseRegistrar implements Registrar {
  private readonly timing: RegistrarTiming;
  private readonly ttl: string;
  private readonly renewMs: number;
  private phase: RegistrarPhase = "unregistered";
  private lease: LeaseId | undefined;
  private registeredBefore = false;
  private failures = 0;
  private warnedAt = Number.NEGATIVE_INFINITY;
  private stops = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly options: RegistrarOptions) {
    this.timing = { ...REGISTER, ...options.timing };
    this.ttl = `${options.ttlSeconds}s`;
    this.renewMs = (options.ttlSeconds * 1000) / this.timing.renewalsPerTtl;
  }

  async run(): Promise<RegistrarOutcome> {
    try {
      while (this.stops === 0) {
        const next = await this.attempt();
        if ("end" in next) return next.end;
        if (this.stops === 0) await this.pause(next.waitMs);
      }
      return await this.stopNow();
    } finally {
      this.options.store.close();
    }
  }

  stop(): void {
    this.stops++;
    this.wake?.();
  }

  /** Moves to `next`; a move from any phase but `from` is a bug and throws. */
  private enter(next: RegistrarPhase, from: readonly RegistrarPhase[]): void {
    if (!from.includes(this.phase)) {
      throw new Error(`registrar: no transition ${this.phase} -> ${next}`);
    }
    this.phase = next;
  }

  /** Waits `ms`, or less when stop() is called meanwhile. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let cancel = () => {};
      const done = () => {
        cancel();
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
      cancel = this.options.clock.setTimer(ms, done);
    });
  }

  private async attempt(): Promise<Next> {
    try {
      return this.lease === undefined ? await this.register() : await this.renew(this.lease);
    } catch (error) {
      return this.failed(error);
    }
  }

  private async register(): Promise<Next> {
    const { store, key, log } = this.options;
    const granted = await store.grant(this.options.ttlSeconds);
    const { replaced } = await store.put(key, this.options.value, granted);
    this.enter("registered", ["unregistered"]);
    this.lease = granted;
    this.failures = 0;
    log.info(this.registeredBefore ? "re-registered" : "registered", {
      key,
      lease: granted,
      ttl: this.ttl,
      endpoint: store.endpoint(),
      replaced: replaced || undefined,
    });
    this.registeredBefore = true;
    return { waitMs: this.renewMs };
  }

  private async renew(current: LeaseId): Promise<Next> {
    const { store, key, log } = this.options;
    const remaining = await store.keepAlive(current);
    if (remaining <= 0) {
      // The key went with the lease: this is the registration's own loss, so it is repaired.
      this.enter("unregistered", ["registered", "unreachable"]);
      this.lease = undefined;
      this.failures = 0;
      log.warn("lease lost; registering again", { key, lease: current });
      return { waitMs: 0 };
    }
    const holder = await store.leaseOf(key);
    if (holder !== current) return this.removed(current, holder);
    if (this.phase === "unreachable") {
      this.enter("registered", ["unreachable"]);
      log.info("etcd answers again; lease kept", { key, lease: current });
    }
    this.failures = 0;
    return { waitMs: this.renewMs };
  }

  /** The lease lives but the key is gone or on another lease: someone else removed it. */
  private async removed(current: LeaseId, holder: LeaseId | undefined): Promise<Next> {
    this.enter("ended", ["registered", "unreachable"]);
    this.lease = undefined;
    const message =
      holder === undefined
        ? "registration deleted by someone else; stopping"
        : "registration replaced by another writer; stopping";
    this.options.log.warn(message, { key: this.options.key, lease: current, holder });
    // Nothing is left on the lease; were etcd to fail now, it would expire by itself.
    await this.options.store.revoke(current).catch(() => undefined);
    return { end: { code: 0, reason: "removed" } };
  }

  private failed(error: unknown): Next {
    const { key, log, clock } = this.options;
    const fields = { key, error: describeError(error) };
    if (!isRetryable(error)) {
      this.enter("ended", ["unregistered", "registered", "unreachable"]);
      log.error("etcd refused the registration", fields);
      return { end: { code: 1, reason: "refused" } };
    }
    if (this.phase === "registered") this.enter("unreachable", ["registered"]);
    if (this.failures === 0 || clock.now() - this.warnedAt >= this.timing.repeatWarningMs) {
      this.warnedAt = clock.now();
      const message =
        this.phase === "unreachable"
          ? "etcd does not answer; renewing the lease as soon as it does"
          : "cannot register yet; retrying";
      log.warn(message, { ...fields, failures: this.failures + 1 });
    }
    const { retryBaseMs, retryMaxMs } = this.timing;
    return { waitMs: doublingDelay(this.failures++, retryBaseMs, retryMaxMs) };
  }

  private async stopNow(): Promise<RegistrarOutcome> {
    this.enter("stopping", ["unregistered", "registered", "unreachable"]);
    const current = this.lease;
    this.lease = undefined;
    if (current === undefined) {
      this.options.log.info("stopped; nothing was registered", { key: this.options.key });
    } else {
      if (this.options.drainOnStopMs > 0) await this.drain(current);
      await this.deregister(current);
    }
    this.enter("ended", ["stopping"]);
    return { code: 0, reason: "stopped" };
  }

  /** Puts the drain value and waits, renewing the lease, unless a second stop() comes. */
  private async drain(current: LeaseId): Promise<void> {
    const { store, key, log, clock, drainOnStopMs } = this.options;
    try {
      if (!(await store.putIfOwned(key, this.options.drainValue, current))) return;
    } catch (error) {
      log.warn("cannot set drain; deleting at once", { key, error: describeError(error) });
      return;
    }
    log.info("draining", { key, lease: current, wait: `${drainOnStopMs}ms` });
    const until = clock.now() + drainOnStopMs;
    while (this.stops < 2 && clock.now() < until) {
      await this.pause(Math.min(this.renewMs, until - clock.now()));
      if (this.stops < 2 && clock.now() < until) await store.keepAlive(current).catch(() => 0);
    }
  }

  /** Deletes the key if it is still on the lease, and revokes the lease, for a bounded time. */
  private async deregister(current: LeaseId): Promise<void> {
    const { store, key, log, clock } = this.options;
    const deadline = clock.now() + this.timing.stopTimeoutMs;
    while (true) {
      try {
        const deleted = await store.deleteIfOwned(key, current);
        await store.revoke(current);
        log.info("deregistered", { key, lease: current, deleted });
        return;
      } catch (error) {
        if (!isRetryable(error) || clock.now() >= deadline) {
          log.warn("cannot reach etcd to deregister; the registration ends with its lease", {
            key,
            lease: current,
            ttl: this.ttl,
            error: describeError(error),
          });
          return;
        }
        await this.pause(this.timing.retryBaseMs);
      }
    }
  }
}
