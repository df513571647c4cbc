// A 3-member etcd cluster: sluice fails over when the member it uses is killed mid-write and ends
// up serving exactly what etcd holds; it says so when the cluster loses quorum, and catches up
// once it is back. HAProxy keeps serving throughout.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Etcd3 } from "etcd3";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import {
  readPrefix,
  startEtcdCluster,
  type TestEtcdCluster,
  waitConverged,
} from "../helpers/etcd.ts";
import { type Load, startLoad } from "../helpers/load.ts";
import { freePort, waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

/** Removals must not be held back: the served model has to equal etcd exactly. */
const NO_GUARDS = "[apply]\nallow_empty = true\nmax_drop_percent = 100\n";
const POOL = 16;

let cluster: TestEtcdCluster;
let sluice: TestSluice;
let a: TestBackend;
let b: TestBackend;

/** Addresses nothing listens on: enough for the model, HAProxy just marks them down. */
const deadAddress = () => `127.0.0.1:${freePort()}`;

function startTraffic(): Load {
  return startLoad({
    url: `http://127.0.0.1:${sluice.httpPort}/`,
    headers: { host: "web" },
    concurrency: 2,
    keepAlive: false,
    maxMs: 90_000,
    maxRequests: 1_000_000,
  });
}

/** Puts and deletes keys of service "pool" through `hosts` until stopped (or 60 s pass). */
function startWriter(hosts: string[]) {
  const client = new Etcd3({ hosts, dialTimeout: 1000 });
  let running = true;
  let writes = 0;
  let failures = 0;
  let lastRevision = 0;
  const deadline = Date.now() + 60_000;
  const loop = (async () => {
    while (running && Date.now() < deadline) {
      const key = `/apps/pool/p${Math.floor(Math.random() * POOL)}`;
      try {
        const response =
          Math.random() < 0.3
            ? await client.delete().key(key)
            : await client.put(key).value(deadAddress());
        lastRevision = Math.max(lastRevision, Number(response.header.revision));
        writes++;
      } catch {
        // A leader election fails writes for a moment; what counts is what etcd holds after.
        failures++;
      }
      await Bun.sleep(10);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      client.close();
      return { writes, failures, lastRevision };
    },
  };
}

/** Every sampled request was answered by a web backend. */
const onlyWeb = (names: string[]) => names.every((name) => name === "a" || name === "b");

/** Starts any member an earlier (failed) test left down. */
async function allMembersUp(): Promise<void> {
  await Promise.all(cluster.members.filter((m) => !m.running()).map((m) => m.start()));
  await cluster.waitHealthy();
}

async function connectedEndpoint(): Promise<string> {
  return waitFor(
    "sluice to be connected",
    async () => {
      const s = await sluice.status();
      return s.etcd.connected && s.etcd.endpoint ? s.etcd.endpoint : undefined;
    },
    15_000,
    50,
  );
}

beforeAll(async () => {
  cluster = await startEtcdCluster(3);
  a = startBackend("a");
  b = startBackend("b");
  await cluster.client.put("/apps/web/a").value(a.address);
  await cluster.client.put("/apps/web/b").value(b.address);
  for (let i = 0; i < POOL / 2; i++) {
    await cluster.client.put(`/apps/pool/p${i}`).value(deadAddress());
  }
  sluice = await startSluice({
    etcdEndpoint: cluster.endpoints,
    // Default keepalive: etcd answers pings more often than every 5 s with GOAWAY. A killed
    // member is noticed through its closed connection, a leaderless one through hasleader.
    etcdToml: 'dial_timeout = "1s"',
    // Room for every pool server, so the writer's changes never need a reload.
    haproxyToml: "spare_slots = 32",
    extraToml: NO_GUARDS,
  });
  const expected = await readPrefix(cluster.endpoints, "/apps/");
  const start = await waitConverged(sluice.adminUrl, expected, 15_000);
  expect(start).toMatchObject({ converged: true });
}, 60_000);

afterAll(async () => {
  await sluice?.stop();
  a?.stop();
  b?.stop();
  await cluster?.stop();
});

describe("etcd cluster", () => {
  test("the member sluice uses is killed while keys change: it fails over and misses nothing", async () => {
    await allMembersUp();
    const used = await connectedEndpoint();
    const others = cluster.endpoints.filter((e) => e !== used);
    const load = startTraffic();
    const writer = startWriter(others);
    await Bun.sleep(1000);
    const killedAt = Date.now();
    await cluster.member(used).kill();
    let failoverMs = 0;
    // Watched while the writer keeps going.
    const failover = waitFor(
      "sluice to use another member",
      async () => {
        const s = await sluice.status();
        if (!s.etcd.connected || !s.etcd.endpoint || s.etcd.endpoint === used) return undefined;
        failoverMs = Date.now() - killedAt;
        return s;
      },
      15_000,
      20,
    );
    await Bun.sleep(2000);
    const written = await writer.stop();
    const now = await failover;
    const expected = await readPrefix(cluster.liveEndpoints(), "/apps/");
    const result = await waitConverged(sluice.adminUrl, expected, 10_000);
    const traffic = await load.stop();
    console.log(
      `[etcd failover] from ${used} to ${now.etcd.endpoint}: connected again ${failoverMs} ms ` +
        `after the kill, served model equal to etcd (revision ${expected.revision}) ` +
        `${result.ms} ms after that; ${written.writes} writes (${written.failures} failed), ` +
        `traffic ${traffic.ok} ok / ${traffic.failed} failed`,
    );
    expect(now.etcd.endpoint).not.toBe(used);
    expect(cluster.endpoints).toContain(now.etcd.endpoint!);
    expect({ lost: result.lost, phantom: result.phantom }).toEqual({ lost: [], phantom: [] });
    expect(result.converged).toBe(true);
    expect(written.writes).toBeGreaterThan(20);
    expect(expected.revision).toBeGreaterThanOrEqual(written.lastRevision);
    expect(result.revision).toBeGreaterThanOrEqual(written.lastRevision);
    expect((await sluice.status()).etcd.connected).toBe(true);
    expect(traffic.failed).toBe(0);
    expect(traffic.ok).toBeGreaterThan(50);

    const restartedAt = Date.now();
    await cluster.member(used).start();
    await cluster.waitHealthy();
    console.log(`[etcd failover] ${used} back in the cluster after ${Date.now() - restartedAt} ms`);
  }, 90_000);

  test("quorum loss is reported while HAProxy keeps serving, and sluice catches up after", async () => {
    await allMembersUp();
    const used = await connectedEndpoint();
    const others = cluster.members.filter((m) => m.endpoint !== used);
    const load = startTraffic();
    const killedAt = Date.now();
    await Promise.all(others.map((m) => m.kill()));

    const down = await waitFor(
      "sluice to report etcd down",
      async () => {
        const s = await sluice.status();
        return s.etcd.connected ? undefined : s;
      },
      15_000,
      50,
    );
    const noticedMs = Date.now() - killedAt;
    console.log(
      `[etcd quorum loss] noticed after ${noticedMs} ms: ${down.etcd.last_error} ` +
        `(stale: ${down.etcd.stale})`,
    );
    expect(noticedMs).toBeLessThanOrEqual(15_000);
    expect(down.etcd.last_error).toMatch(
      /leader|time(d)? ?out|deadline|unavailable|refused|answer/i,
    );
    expect(onlyWeb(await sluice.sample(4, "web"))).toBe(true);
    // Still down a moment later: a member without a leader is not "connected".
    await Bun.sleep(2000);
    const later = await sluice.status();
    expect(later.etcd.connected).toBe(false);
    // The member still up refuses with "no leader" (sluice sends the hasleader requirement)
    // instead of serving a watch that would never see another change.
    expect(later.etcd.last_error).toContain(`etcd ${used}: `);
    expect(later.etcd.last_error).toMatch(new RegExp(`etcd ${used}: [^;]*no leader`));
    expect(onlyWeb(await sluice.sample(4, "web"))).toBe(true);

    const restartedAt = Date.now();
    await Promise.all(others.map((m) => m.start()));
    await cluster.waitHealthy();
    const quorumMs = Date.now() - restartedAt;
    const put = await cluster.client.put("/apps/pool/after-quorum").value(deadAddress());
    const expected = await readPrefix(cluster.endpoints, "/apps/");
    expect(expected.revision).toBeGreaterThanOrEqual(Number(put.header.revision));
    const result = await waitConverged(sluice.adminUrl, expected, 15_000);
    const traffic = await load.stop();
    console.log(
      `[etcd quorum loss] quorum back ${quorumMs} ms after the restart; sluice served etcd's ` +
        `keys ${result.ms} ms later; traffic ${traffic.ok} ok / ${traffic.failed} failed`,
    );
    expect({ lost: result.lost, phantom: result.phantom }).toEqual({ lost: [], phantom: [] });
    expect(result.converged).toBe(true);
    const after = await connectedEndpoint();
    expect(cluster.endpoints).toContain(after);
    expect(traffic.failed).toBe(0);
    expect(traffic.ok).toBeGreaterThan(50);
  }, 90_000);
});
