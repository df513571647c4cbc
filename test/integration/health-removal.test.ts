// Removal of dead backends from etcd with real etcd, HAProxy checks and sluice daemons: after
// remove_after and not before; a re-registration survives the pending removal (compare on the mod
// revision); only the elected leader removes, and another takes over when it is killed; nothing
// is removed in a panic; at most max_ejection_percent of a service goes per period.

import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { createBackendPool } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { freePort, waitFor } from "../helpers/ports.ts";
import { isAlive } from "../helpers/process.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

const REMOVE_AFTER_MS = 2000;
const TTL_MS = 2000;
const POLL_MS = 300;

const pool = createBackendPool();
const cleanups: Array<() => Promise<unknown> | unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  pool.stopAll();
});

async function etcdForTest(): Promise<TestEtcd> {
  const etcd = await startEtcd();
  cleanups.push(() => etcd.stop());
  return etcd;
}

async function sluiceFor(etcd: TestEtcd, health = ""): Promise<TestSluice> {
  const sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    extraToml: [
      "[health]",
      `interval = "${POLL_MS}ms"`,
      'timeout = "200ms"',
      "fall = 2",
      "rise = 1",
      `remove_after = "${REMOVE_AFTER_MS}ms"`,
      `leader_ttl = "${TTL_MS}ms"`,
      health,
    ].join("\n"),
  });
  cleanups.push(() => sluice.stop());
  return sluice;
}

/** Registers `/apps/<service>/<name>` at `address`; resolves with the put's revision. */
async function register(etcd: TestEtcd, service: string, name: string, address: string) {
  const put = await etcd.client.put(`/apps/${service}/${name}`).value(`${name} ${address}`);
  return Number(put.header.revision);
}

/** Registers `count` live backends `<prefix>1..` in `service`. */
async function registerLive(etcd: TestEtcd, service: string, prefix: string, count: number) {
  let revision = 0;
  for (let index = 1; index <= count; index++) {
    const backend = pool.start(`${prefix}${index}`);
    revision = await register(etcd, service, backend.name, backend.address);
  }
  return revision;
}

/** A loopback address nothing listens on: its checks fail with "Connection refused". */
const deadAddress = () => `127.0.0.1:${freePort()}`;

type ServerHealth = { state: string; since: string | null; last_error: string | null };

async function healthOf(sluice: TestSluice, service: string, name: string) {
  const response = await fetch(`${sluice.adminUrl}/v1/services/${service}`);
  if (!response.ok) return undefined;
  const body = (await response.json()) as { servers: { name: string; health: ServerHealth }[] };
  return body.servers.find((server) => server.name === name)?.health;
}

/** Resolves with the server's health once it is down; on a timeout, says what was served. */
async function waitDown(sluice: TestSluice, service: string, name: string, timeoutMs = 5000) {
  try {
    return await waitFor(
      `${service}/${name} down`,
      async () => {
        const health = await healthOf(sluice, service, name);
        return health?.state === "down" ? health : undefined;
      },
      timeoutMs,
      20,
    );
  } catch (error) {
    const served = await (await fetch(`${sluice.adminUrl}/v1/services/${service}`)).text();
    const tail = sluice.log().split("\n").slice(-30).join("\n");
    throw new Error(`${(error as Error).message}\nserved: ${served}\nlog:\n${tail}`);
  }
}

/** Resolves with the time the key was first seen gone (looked for every 25 ms). */
function waitGone(etcd: TestEtcd, key: string, timeoutMs: number): Promise<number> {
  return waitFor(
    `${key} to be removed`,
    async () => ((await etcd.client.get(key).string()) === null ? Date.now() : undefined),
    timeoutMs,
    25,
  );
}

/** Resolves with the first line of sluice's log that contains every one of `parts`. */
function waitLogLine(sluice: TestSluice, ...parts: string[]): Promise<string> {
  return waitFor(`a log line with ${parts.join(" and ")}`, () =>
    sluice
      .log()
      .split("\n")
      .find((line) => parts.every((part) => line.includes(part))),
  );
}

const countKeys = async (etcd: TestEtcd, prefix: string) =>
  (await etcd.client.getAll().prefix(prefix).keys()).length;

const metricsOf = async (sluice: TestSluice) => (await fetch(`${sluice.adminUrl}/metrics`)).text();

describe("removal of dead backends", () => {
  test("a dead backend is removed after remove_after, not before; a re-registration before the deadline survives", async () => {
    const etcd = await etcdForTest();
    const sluice = await sluiceFor(etcd);
    await registerLive(etcd, "web", "w", 4);
    // The last registration's revision: etcd's own moves on with the election's keys.
    await sluice.waitApplied(await registerLive(etcd, "api", "a", 4));
    // Watched from their registration on: they go down at once and are removed 2 s later.
    const deadRevision = await register(etcd, "web", "dead", deadAddress());
    const deadDown = waitDown(sluice, "web", "dead");
    const againAddress = deadAddress();
    await register(etcd, "api", "again", againAddress);
    const again = await waitDown(sluice, "api", "again");
    const dead = await deadDown;
    const downSince = Date.parse(dead.since!);
    // Re-registered (the same value put again) 700 ms before its deadline.
    const againSince = Date.parse(again.since!);
    await Bun.sleep(Math.max(0, againSince + REMOVE_AFTER_MS - 700 - Date.now()));
    const reput = await register(etcd, "api", "again", againAddress);

    const goneAt = await waitGone(etcd, "/apps/web/dead", REMOVE_AFTER_MS + 5000);
    console.log(`removed ${goneAt - downSince} ms after it went down`);
    expect(goneAt - downSince).toBeGreaterThanOrEqual(REMOVE_AFTER_MS);
    expect(goneAt - downSince).toBeLessThan(REMOVE_AFTER_MS + 1500);
    // sluice logs once etcd has answered the delete: a moment after the key is seen gone.
    const line = await waitLogLine(sluice, "removed a dead backend", "key=/apps/web/dead ");
    expect(line).toContain(`revision=${deadRevision}`);
    expect(line).toMatch(/down_for=2\.\d+s/);
    expect(line).toContain('last_error="L4CON');

    // Well past the deadline of the first registration: the pending removal did not take it.
    await Bun.sleep(Math.max(0, againSince + REMOVE_AFTER_MS + 1000 - Date.now()));
    expect(await etcd.client.get("/apps/api/again").string()).not.toBeNull();
    expect(sluice.log()).toMatch(
      /not removing a backend registered again.* key=\/apps\/api\/again revision=\d+/,
    );
    // Still dead a whole remove_after after it was seen again: removed, at the new revision.
    await waitGone(etcd, "/apps/api/again", REMOVE_AFTER_MS + 3000);
    const second = await waitLogLine(sluice, "removed a dead backend", "key=/apps/api/again ");
    expect(second).toContain(`key=/apps/api/again service=api revision=${reput}`);
    expect((await sluice.status()).health).toMatchObject({
      is_leader: true,
      removals: 2,
      panic: false,
    });
    expect(await countKeys(etcd, "/apps/")).toBe(8);
  }, 30_000);

  test("two instances: only the leader removes; kill -9 the leader and the other takes over within the TTL", async () => {
    const etcd = await etcdForTest();
    const first = await sluiceFor(etcd);
    const second = await sluiceFor(etcd);
    const both = [first, second];
    await registerLive(etcd, "pair", "p", 4);
    const registered = await register(etcd, "pair", "gone-1", deadAddress());
    await Promise.all(both.map((sluice) => sluice.waitApplied(registered)));

    const leaders = await waitFor(
      "both to name one leader",
      async () => {
        const named = await Promise.all(both.map(async (s) => (await s.status()).health.leader));
        return named[0] !== null && named[0] === named[1] ? named[0] : undefined;
      },
      5000,
    );
    const leader = both.find((sluice) => leaders === `${hostname()}:${sluice.pid}`)!;
    const follower = both.find((sluice) => sluice !== leader)!;
    expect(leader).toBeDefined();
    expect((await leader.status()).health.is_leader).toBe(true);
    expect((await follower.status()).health.is_leader).toBe(false);
    await waitFor("the follower to hold removals as a follower", async () =>
      (await follower.status()).health.removal_held.includes("not the removal leader"),
    );
    expect(await metricsOf(leader)).toContain("\nsluice_health_leader 1\n");

    await waitGone(etcd, "/apps/pair/gone-1", REMOVE_AFTER_MS + 5000);
    expect((await leader.status()).health.removals).toBe(1);
    expect((await follower.status()).health.removals).toBe(0);
    expect(follower.log()).not.toContain("removed a dead backend");

    const haproxy = (await leader.status()).haproxy;
    const pids = [haproxy.pid!, ...haproxy.workers];
    const killedAt = Date.now();
    process.kill(leader.pid, "SIGKILL");
    for (const pid of pids.filter(isAlive)) process.kill(pid, "SIGKILL");
    await waitFor(
      "the follower to lead",
      async () => (await follower.status()).health.is_leader,
      TTL_MS + 2000,
      20,
    );
    const takeoverMs = Date.now() - killedAt;
    console.log(`takeover ${takeoverMs} ms after kill -9 of the leader`);
    // The lease ends TTL after the last renewal (up to a round before the kill), etcd expires
    // leases every 500 ms, and the follower looks every 500 ms.
    expect(takeoverMs).toBeLessThan(TTL_MS + 1500);
    expect((await follower.status()).health.leader).toBe(`${hostname()}:${follower.pid}`);

    await register(etcd, "pair", "gone-2", deadAddress());
    await waitGone(etcd, "/apps/pair/gone-2", REMOVE_AFTER_MS + 5000);
    expect((await follower.status()).health.removals).toBe(1);
    expect(await countKeys(etcd, "/apps/pair/")).toBe(4);
  }, 40_000);
});

/** A backend on a port of its own that can stop listening and listen again. */
function switchableBackend(name: string) {
  const port = freePort();
  let server: ReturnType<typeof Bun.serve> | undefined;
  const backend = {
    name,
    address: `127.0.0.1:${port}`,
    kill() {
      server?.stop(true);
      server = undefined;
    },
    revive() {
      server = Bun.serve({ hostname: "127.0.0.1", port, fetch: () => new Response(name) });
    },
  };
  backend.revive();
  cleanups.push(() => backend.kill());
  return backend;
}

describe("safety of removals", () => {
  test("every backend unreachable at once: panic, nothing removed, routing unchanged; panic clears when they return", async () => {
    const etcd = await etcdForTest();
    const sluice = await sluiceFor(etcd);
    const backends = ["a", "b", "c", "d"].map((name) => switchableBackend(name));
    let registered = 0;
    for (const backend of backends) {
      registered = await register(etcd, "web", backend.name, backend.address);
    }
    await sluice.waitApplied(registered);
    await waitFor("every backend up", async () => (await sluice.status()).health.up === 4, 5000);
    const before = await sluice.status();
    const config = readFileSync(sluice.renderedFile, "utf8");

    for (const backend of backends) backend.kill();
    const panicAt = await waitFor(
      "panic",
      async () => ((await sluice.status()).health.panic ? Date.now() : undefined),
      5000,
      20,
    );
    const status = await sluice.status();
    expect(status.health).toMatchObject({ down: 4, panic: true, removals: 0 });
    expect(status.health.removal_held.join()).toContain("panic: 4 of 4 checked servers are down");
    expect(await metricsOf(sluice)).toContain("\nsluice_health_panic 1\n");
    // Three remove_after periods with every key still there.
    while (Date.now() < panicAt + 3 * REMOVE_AFTER_MS) {
      expect(await countKeys(etcd, "/apps/")).toBe(4);
      await Bun.sleep(250);
    }
    const after = await sluice.status();
    expect(after.haproxy.reloads).toBe(before.haproxy.reloads);
    expect(after.haproxy.runtime_updates).toBe(before.haproxy.runtime_updates);
    expect(readFileSync(sluice.renderedFile, "utf8")).toBe(config);
    expect(sluice.log().match(/msg="health panic: /g)?.length).toBe(1);

    for (const backend of backends) backend.revive();
    await waitFor("panic to clear", async () => !(await sluice.status()).health.panic, 5000);
    expect(await metricsOf(sluice)).toContain("\nsluice_health_panic 0\n");
    expect(sluice.log()).toContain('msg="health panic over; removals may go ahead"');
    expect(await countKeys(etcd, "/apps/")).toBe(4);
  }, 30_000);

  test("10 dead of 20 at max_ejection_percent = 20: at most 4 per period, all 10 gone after three", async () => {
    const etcd = await etcdForTest();
    const sluice = await sluiceFor(etcd, "max_ejection_percent = 20");
    await sluice.waitApplied(await registerLive(etcd, "web", "live-", 10));
    const dead = Array.from({ length: 10 }, (_, index) => `/apps/web/dead-${index + 1}`);
    // Watched from their registration on: the first go 2 s after they are down.
    const watching = dead.map(async (_, index) => {
      await register(etcd, "web", `dead-${index + 1}`, deadAddress());
      return waitDown(sluice, "web", `dead-${index + 1}`);
    });
    const downs = await Promise.all(watching);
    const firstDown = Math.min(...downs.map((health) => Date.parse(health.since!)));

    // When each dead key was first seen gone, looked for every 50 ms.
    const goneAt = new Map<string, number>();
    const deadline = firstDown + 3 * REMOVE_AFTER_MS + 2000;
    while (goneAt.size < dead.length && Date.now() < deadline) {
      const left = new Set(await etcd.client.getAll().prefix("/apps/web/").keys());
      for (const key of dead) if (!left.has(key) && !goneAt.has(key)) goneAt.set(key, Date.now());
      await Bun.sleep(50);
    }
    const times = [...goneAt.values()].sort((a, b) => a - b);
    const periods = times.map((at) => at - times[0]!).map((ms) => Math.floor(ms / REMOVE_AFTER_MS));
    console.log(
      `removals at ${times.map((at) => at - firstDown).join(", ")} ms after the first down`,
    );
    expect(goneAt.size).toBe(10);
    // Any window a little shorter than a period (the sampling's jitter) holds at most 4.
    for (const start of times) {
      expect(
        times.filter((at) => at >= start && at < start + REMOVE_AFTER_MS - 200).length,
      ).toBeLessThanOrEqual(4);
    }
    expect(Math.max(...periods)).toBeLessThanOrEqual(2);
    // Each period opens at a poll after the last one closed, so a loaded machine adds its poll
    // delays; the bound above (three periods from the first removal) is the one that matters.
    expect(times.at(-1)! - firstDown).toBeLessThan(3 * REMOVE_AFTER_MS + 3000);
    const left = await etcd.client.getAll().prefix("/apps/web/").keys();
    expect(left.sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `/apps/web/live-${i + 1}`).sort(),
    );
    expect((await sluice.status()).health.removals).toBe(10);
  }, 40_000);
});
