// The registrar's state machine against an in-memory etcd on a jumping clock: renewals, lost
// leases granted again, outages, someone else's delete, drain on stop, and bounded stops.

import { describe, expect, test } from "bun:test";
import { createLogger } from "../../../src/log.ts";
import { LeaseRegistrar, type RegistrarOptions } from "../../../src/register/registrar.ts";
import { FakeStore, JumpClock } from "./fake-store.ts";

const KEY = "/apps/web/10.0.0.5-9000";
const VALUE = '{"addr":"10.0.0.5:9000","name":"10.0.0.5-9000","weight":1,"meta":{}}';
const DRAIN = '{"addr":"10.0.0.5:9000","name":"10.0.0.5-9000","weight":1,"drain":true,"meta":{}}';

/** A registrar with a 3 s TTL (renewed every second) on a fake etcd. */
function setup(overrides: Partial<RegistrarOptions> = {}) {
  const clock = new JumpClock();
  const store = new FakeStore(clock);
  const lines: string[] = [];
  const registrar = new LeaseRegistrar({
    store,
    key: KEY,
    value: VALUE,
    drainValue: DRAIN,
    ttlSeconds: 3,
    drainOnStopMs: 0,
    log: createLogger((line) => lines.push(line), { format: "logfmt" }),
    clock,
    ...overrides,
  });
  const events = () => lines.map((line) => /msg="([^"]*)"/.exec(line)?.[1]);
  /** Counts calls of `method` and runs `action` at the nth. */
  const at = (method: string, actions: Record<number, () => void>) => {
    let count = 0;
    const previous = store.onCall;
    store.onCall = (called) => {
      previous(called);
      if (called === method) actions[++count]?.();
    };
  };
  return { clock, store, registrar, lines, events, at, start: clock.now() };
}

/** Times (from `start`) of the calls of `method`. */
function times(store: FakeStore, method: string, start: number): number[] {
  return store.calls.filter((call) => call.method === method).map((call) => call.at - start);
}

describe("LeaseRegistrar", () => {
  test("registers, renews and checks the key three times per TTL, and on stop deletes and revokes", async () => {
    const { store, registrar, events, at, start } = setup();
    at("keepAlive", { 3: () => registrar.stop() });
    expect(await registrar.run()).toEqual({ code: 0, reason: "stopped" });
    expect(store.methods()).toEqual([
      ...["grant", "put"],
      ...["keepAlive", "leaseOf", "keepAlive", "leaseOf", "keepAlive", "leaseOf"],
      ...["deleteIfOwned", "revoke"],
    ]);
    expect(times(store, "keepAlive", start)).toEqual([1000, 2000, 3000]);
    expect(store.kvs.size).toBe(0);
    expect(store.leases.size).toBe(0);
    expect(store.closed).toBe(true);
    expect(events()).toEqual(["registered", "deregistered"]);
  });

  test("a lease etcd lost is granted again and the key put again at once", async () => {
    const { store, registrar, events, at } = setup();
    let first = "";
    at("keepAlive", {
      2: () => {
        first = store.kvs.get(KEY)!.lease;
        store.loseLease(first);
      },
      4: () => registrar.stop(),
    });
    await registrar.run();
    expect(events()).toEqual([
      "registered",
      "lease lost; registering again",
      "re-registered",
      "deregistered",
    ]);
    const lost = store.calls.findIndex((call, i) => call.method === "keepAlive" && i > 3);
    // Right after the renewal that found the lease gone: grant and put, with no wait.
    expect(store.methods().slice(lost, lost + 3)).toEqual(["keepAlive", "grant", "put"]);
    expect(store.calls[lost + 2]!.at).toBe(store.calls[lost]!.at);
    expect(store.leases.has(first)).toBe(false);
  });

  test("etcd down longer than the TTL, back with the lease (a restart): renewed within 1 s, never put again", async () => {
    const { store, registrar, events, at, clock, start } = setup();
    let recoverAt = Number.POSITIVE_INFINITY;
    at("keepAlive", {
      2: () => {
        store.down = true;
        recoverAt = clock.now() + 5000;
      },
    });
    const previous = store.onCall;
    store.onCall = (method) => {
      previous(method);
      // A stopped etcd expires nothing, and once restarted gives every lease its full TTL again.
      const restarted = store.down && clock.now() >= recoverAt;
      if (restarted) store.down = false;
      for (const lease of store.leases.values()) {
        if (store.down) lease.expiresAt = Number.POSITIVE_INFINITY;
        if (restarted) lease.expiresAt = clock.now() + lease.ttlMs;
      }
      if (clock.now() >= recoverAt + 3000) registrar.stop();
    };
    await registrar.run();
    const failed = store.calls.filter((call) => !call.ok).map((call) => call.at - start);
    const gaps = failed.slice(1).map((at, i) => at - failed[i]!);
    expect(gaps.slice(0, 3)).toEqual([250, 500, 1000]);
    expect(Math.max(...gaps)).toBe(1000);
    const firstOk = store.calls.find((call) => call.ok && call.at >= recoverAt)!;
    expect(firstOk.method).toBe("keepAlive");
    expect(firstOk.at - recoverAt).toBeLessThanOrEqual(1000);
    expect(store.methods().filter((method) => method === "put")).toEqual(["put"]);
    expect(events()).toEqual([
      "registered",
      "etcd does not answer; renewing the lease as soon as it does",
      "etcd answers again; lease kept",
      "deregistered",
    ]);
  });

  test("etcd unreachable until the lease expired: registered again within 1 s of etcd answering", async () => {
    const { store, registrar, events, at, clock } = setup();
    let recoverAt = Number.POSITIVE_INFINITY;
    at("keepAlive", {
      2: () => {
        store.down = true;
        recoverAt = clock.now() + 4000;
      },
    });
    const previous = store.onCall;
    store.onCall = (method) => {
      previous(method);
      if (store.down && clock.now() >= recoverAt) store.down = false;
      if (method === "put" && clock.now() > recoverAt) registrar.stop();
    };
    await registrar.run();
    const put = store.calls.filter((call) => call.method === "put").at(-1)!;
    expect(put.at - recoverAt).toBeLessThanOrEqual(1000);
    expect(events()).toEqual([
      "registered",
      "etcd does not answer; renewing the lease as soon as it does",
      "lease lost; registering again",
      "re-registered",
      "deregistered",
    ]);
  });

  test("its key deleted by someone else while the lease lives: logs, revokes, exits 0, never puts it back", async () => {
    const { store, registrar, events, at, lines } = setup();
    at("keepAlive", { 2: () => store.kvs.delete(KEY) });
    expect(await registrar.run()).toEqual({ code: 0, reason: "removed" });
    expect(store.methods().slice(-3)).toEqual(["keepAlive", "leaseOf", "revoke"]);
    expect(store.kvs.size).toBe(0);
    expect(store.leases.size).toBe(0);
    expect(events().at(-1)).toBe("registration deleted by someone else; stopping");
    expect(lines.at(-1)).toStartWith("level=warn");
  });

  test("its key replaced by another writer: stops and leaves the other registration alone", async () => {
    const { store, registrar, events, at } = setup();
    at("keepAlive", {
      1: () => {
        store.leases.set("other", { ttlMs: 60_000, expiresAt: Number.POSITIVE_INFINITY });
        store.kvs.set(KEY, { value: "theirs", lease: "other" });
      },
    });
    expect(await registrar.run()).toEqual({ code: 0, reason: "removed" });
    expect(store.kvs.get(KEY)).toEqual({ value: "theirs", lease: "other" });
    expect(events().at(-1)).toBe("registration replaced by another writer; stopping");
  });

  test("--drain-on-stop: drain on the same lease, renewed through the wait, then delete", async () => {
    const { store, registrar, events, at } = setup({ drainOnStopMs: 2500 });
    let drained: { value: string; lease: string } | undefined;
    at("keepAlive", { 1: () => registrar.stop() });
    at("deleteIfOwned", { 1: () => (drained = store.kvs.get(KEY)) });
    await registrar.run();
    expect(drained?.value).toBe(DRAIN);
    const methods = store.methods();
    expect(methods.slice(methods.indexOf("putIfOwned"))).toEqual([
      ...["putIfOwned", "keepAlive", "keepAlive", "deleteIfOwned", "revoke"],
    ]);
    const [putAt] = times(store, "putIfOwned", 0);
    const [deleteAt] = times(store, "deleteIfOwned", 0);
    expect(deleteAt! - putAt!).toBe(2500);
    expect(events()).toEqual(["registered", "draining", "deregistered"]);
  });

  test("a second stop cuts the drain short", async () => {
    const { store, registrar, at } = setup({ drainOnStopMs: 600_000 });
    at("keepAlive", { 1: () => registrar.stop(), 2: () => registrar.stop() });
    await registrar.run();
    const [putAt] = times(store, "putIfOwned", 0);
    const [deleteAt] = times(store, "deleteIfOwned", 0);
    expect(deleteAt! - putAt!).toBe(1000);
    expect(store.kvs.size).toBe(0);
  });

  test("etcd unreachable at stop: gives up after 3 s, exits 0, and leaves the key to its lease", async () => {
    const { store, registrar, events, at, clock } = setup({ ttlSeconds: 30 });
    let stoppedAt = 0;
    at("keepAlive", {
      2: () => {
        store.down = true;
        stoppedAt = clock.now();
        registrar.stop();
      },
    });
    expect(await registrar.run()).toEqual({ code: 0, reason: "stopped" });
    expect(clock.now() - stoppedAt).toBeGreaterThanOrEqual(3000);
    expect(clock.now() - stoppedAt).toBeLessThanOrEqual(3250);
    expect(store.kvs.has(KEY)).toBe(true);
    expect(events().at(-1)).toBe(
      "cannot reach etcd to deregister; the registration ends with its lease",
    );
  });

  test("etcd refuses the credentials: one error line and exit 1", async () => {
    const { store, registrar, lines } = setup();
    store.refuse = true;
    expect(await registrar.run()).toEqual({ code: 1, reason: "refused" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStartWith('level=error msg="etcd refused the registration"');
    expect(lines[0]).toContain("permission denied");
  });

  test("stopped before etcd ever answered: nothing to delete, exit 0", async () => {
    const { store, registrar, events, at, start } = setup();
    store.down = true;
    at("grant", { 3: () => registrar.stop() });
    expect(await registrar.run()).toEqual({ code: 0, reason: "stopped" });
    expect(times(store, "grant", start)).toEqual([0, 250, 750]);
    expect(events()).toEqual(["cannot register yet; retrying", "stopped; nothing was registered"]);
  });

  test("a long outage is logged once, then again every 30 s, not at every retry", async () => {
    const { store, registrar, events, at, clock, start } = setup();
    store.down = true;
    const previous = store.onCall;
    store.onCall = (method) => {
      previous(method);
      if (clock.now() - start >= 70_000) registrar.stop();
    };
    at("grant", {});
    await registrar.run();
    expect(store.calls.length).toBeGreaterThan(60);
    expect(events()).toEqual([
      "cannot register yet; retrying",
      "cannot register yet; retrying",
      "cannot register yet; retrying",
      "stopped; nothing was registered",
    ]);
  });
});
