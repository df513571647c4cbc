// The removal leader's election over a fake etcd: one leader at a time, takeover when the leader
// resigns or dies, a partitioned leader that stops acting before its lease can expire, and lease
// loss repaired by campaigning again on a new lease.

import { describe, expect, test } from "bun:test";
import { createLeadership } from "../../../src/health/leader.ts";
import type { Leadership } from "../../../src/health/leadership.ts";
import { createLogger } from "../../../src/log.ts";
import { createFakeRemovalEtcd, createManualClock } from "./fake-removal-etcd.ts";

const TTL_MS = 2000;

function setup() {
  const clock = createManualClock();
  const etcd = createFakeRemovalEtcd(clock);
  const lines: string[] = [];
  const log = createLogger((line) => lines.push(line), { format: "logfmt" });
  const candidate = (identity: string, cut: () => boolean = () => false) =>
    createLeadership({
      store: etcd.client(cut),
      prefix: "/apps/",
      ttlMs: TTL_MS,
      identity,
      clock,
      log,
    });
  return { clock, etcd, lines, candidate };
}

async function waitUntil(check: () => boolean): Promise<void> {
  while (!check()) await Bun.sleep(1);
}

/** Starts a candidate without its timer loop (the manual clock never fires timers). */
function started(leadership: Leadership): Leadership {
  leadership.start();
  return leadership;
}

describe("removal leadership", () => {
  test("a lone candidate leads after one round, under the election prefix", async () => {
    const { candidate, etcd } = setup();
    const a = started(candidate("host-a:1"));
    expect(a.fence()).toBeUndefined();
    await a.step();
    expect(a.status()).toMatchObject({ state: "leading", leader: "host-a:1", isLeader: true });
    const fence = a.fence();
    expect(fence?.key.startsWith("/sluice/health-leader/apps/")).toBe(true);
    expect(etcd.keys.get(fence!.key)?.value).toBe("host-a:1");
  });

  test("the second candidate follows and names the leader", async () => {
    const { candidate } = setup();
    const a = started(candidate("host-a:1"));
    const b = started(candidate("host-b:2"));
    await a.step();
    await b.step();
    await a.step();
    expect(a.status().isLeader).toBe(true);
    expect(b.status()).toMatchObject({ state: "campaigning", leader: "host-a:1", isLeader: false });
    expect(b.fence()).toBeUndefined();
  });

  test("a leader that stops resigns, and the follower leads at its next round", async () => {
    const { candidate } = setup();
    const a = started(candidate("host-a:1"));
    const b = started(candidate("host-b:2"));
    await a.step();
    await b.step();
    await a.stop();
    expect(a.fence()).toBeUndefined();
    await b.step();
    expect(b.status()).toMatchObject({ leader: "host-b:2", isLeader: true });
  });

  test("a killed leader is replaced once its lease expires, not before", async () => {
    const { candidate, clock } = setup();
    const a = started(candidate("host-a:1"));
    const b = started(candidate("host-b:2"));
    await a.step();
    await b.step();
    // a is killed: it renews no more.
    clock.advance(TTL_MS - 1);
    await b.step();
    expect(b.status()).toMatchObject({ leader: "host-a:1", isLeader: false });
    clock.advance(1);
    await b.step();
    expect(b.status()).toMatchObject({ leader: "host-b:2", isLeader: true });
  });

  test("a partitioned leader stops acting TTL/2 after its last renewal, before it can expire", async () => {
    let partitioned = false;
    const { candidate, clock, lines } = setup();
    const a = started(candidate("host-a:1", () => partitioned));
    await a.step();
    partitioned = true;
    clock.advance(TTL_MS / 2 - 1);
    // Between rounds too: fence() reads the clock itself.
    expect(a.fence()).toBeDefined();
    clock.advance(1);
    expect(a.fence()).toBeUndefined();
    expect(a.status().isLeader).toBe(false);
    await a.step();
    expect(a.status().state).toBe("campaigning");
    expect(lines.join("")).toContain("removal leadership suspended");
    // Back before the lease expired: the same lease and key lead again.
    partitioned = false;
    await a.step();
    expect(a.status()).toMatchObject({ state: "leading", isLeader: true });
  });

  test("a lease etcd lost is replaced by a new one, and the candidate leads again", async () => {
    const { candidate, etcd, lines } = setup();
    const a = started(candidate("host-a:1"));
    await a.step();
    const before = a.fence()!;
    etcd.dropLeases();
    await a.step();
    expect(a.status().state).toBe("granting");
    expect(a.fence()).toBeUndefined();
    expect(lines.join("")).toContain("lost the removal leadership");
    await a.step();
    const after = a.fence();
    expect(after).toBeDefined();
    expect(after!.key).not.toBe(before.key);
    expect(etcd.leases.size).toBe(1);
  });

  test("a lease not renewed for a whole TTL is given up, revoked, and replaced when etcd is back", async () => {
    const { candidate, etcd, clock } = setup();
    const a = started(candidate("host-a:1"));
    await a.step();
    const first = a.fence()!;
    etcd.setDown(true);
    clock.advance(TTL_MS / 2);
    await a.step();
    expect(a.status().state).toBe("campaigning");
    clock.advance(TTL_MS / 2);
    await a.step();
    expect(a.status().state).toBe("granting");
    etcd.setDown(false);
    await a.step();
    expect(a.fence()?.key).not.toBe(first.key);
    expect(etcd.keys.has(first.key)).toBe(false);
    expect(etcd.leases.size).toBe(1);
  });

  test("stop leaves an unreachable etcd alone: no resign after TTL/2 without renewals", async () => {
    const { candidate, etcd, clock, lines } = setup();
    const a = started(candidate("host-a:1"));
    await a.step();
    etcd.setDown(true);
    clock.advance(TTL_MS / 2);
    await a.stop();
    etcd.setDown(false);
    // Not revoked: it ends with its TTL.
    expect(etcd.leases.size).toBe(1);
    expect(lines.join("")).toContain("resigned=false");
  });

  test("stop does not wait for a round stuck on etcd", async () => {
    const clock = createManualClock();
    // The first round starts at once; later ones never do.
    const timers = {
      ...clock,
      setTimer(ms: number, run: () => void) {
        if (ms === 0) run();
        return () => {};
      },
    };
    const etcd = createFakeRemovalEtcd(clock);
    let stuck = false;
    const client = etcd.client();
    const store = {
      ...client,
      campaign: () => {
        stuck = true;
        return new Promise<never>(() => {});
      },
    };
    const a = createLeadership({
      ...{ store, prefix: "/apps/", ttlMs: TTL_MS, identity: "host-a:1", clock: timers },
      log: createLogger(() => {}),
    });
    a.start();
    await waitUntil(() => stuck);
    await a.stop();
    expect(a.status().state).toBe("stopped");
    // The lease it holds was fresh: revoked on the way out.
    expect(etcd.leases.size).toBe(0);
  });

  test("stop without a lease closes the store; a stopped candidate never leads", async () => {
    const { candidate } = setup();
    const a = started(candidate("host-a:1"));
    await a.stop();
    await a.step();
    expect(a.status()).toMatchObject({ state: "stopped", isLeader: false, leader: null });
  });
});
