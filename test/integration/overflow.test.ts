// A burst bigger than a backend's free slots, against real etcd and HAProxy: the servers that
// find no slot go in through `add server` and take traffic before any reload; a removed one
// leaves without a reload; the background reload then gives every server a slot of its own.
// A keep-alive load runs throughout and must see no failed request.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { sendBatch } from "../../src/haproxy/runtime.ts";
import { servedByReload } from "../helpers/applies.ts";
import { createBackendPool } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { type Load, startLoad } from "../helpers/load.ts";
import { waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

const BURST = 24;

let etcd: TestEtcd;
let sluice: TestSluice;
let load: Load;
const backends = createBackendPool();

async function register(name: string): Promise<number> {
  const backend = backends.start(name);
  const put = await etcd.client
    .put(`/apps/web/${name}`)
    .value(JSON.stringify({ addr: backend.address, name }));
  return Number(put.header.revision);
}

/** HAProxy's server names in backend web, with their address. */
async function haproxyServers(): Promise<Map<string, string>> {
  const [reply] = await sendBatch(join(sluice.dir, "run", "haproxy.sock"), [
    "show servers state web",
  ]);
  const servers = new Map<string, string>();
  for (const line of (reply ?? "").split("\n")) {
    const fields = line.split(" ");
    if (fields[1] === "web" && fields[3]) servers.set(fields[3], `${fields[4]}:${fields[18]}`);
  }
  return servers;
}

/** Waits until every backend named takes requests (the load runs beside: round robin is
 * shared with it, so hits are counted at the backends). */
async function allTakeTraffic(names: readonly string[]): Promise<void> {
  const wanted = backends.all().filter((backend) => names.includes(backend.name));
  const start = new Map(wanted.map((backend) => [backend.name, backend.hits]));
  await waitFor(
    `traffic to ${names.length} backends`,
    () => wanted.every((backend) => backend.hits > start.get(backend.name)!) || undefined,
    3000,
    20,
  );
}

/** Whether a backend took any request over `ms`. */
async function takesTraffic(name: string, ms: number): Promise<boolean> {
  const backend = backends.all().find((candidate) => candidate.name === name)!;
  const before = backend.hits;
  await Bun.sleep(ms);
  return backend.hits > before;
}

beforeAll(async () => {
  etcd = await startEtcd();
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    haproxyToml: "spare_slots = 2",
    // Reloads are paced 5 s apart: the burst below comes well before the background reload.
    extraToml:
      '[apply]\nmin_reload_interval = "5s"\n\n[[service]]\nname = "web"\nbalance = "roundrobin"\n',
  });
  await sluice.waitApplied(await register("first"));
  // The pacing counts from this reload (HAProxy's first start does not count).
  expect((await sluice.reload()).ok).toBe(true);
  load = startLoad({
    url: `http://127.0.0.1:${sluice.httpPort}/`,
    headers: { host: "web" },
    concurrency: 4,
    keepAlive: true,
    maxMs: 60_000,
    maxRequests: 2_000_000,
  });
}, 30_000);

afterAll(async () => {
  if (process.env.DEBUG_LOG) console.log(sluice?.log());
  await load?.stop();
  await sluice?.stop();
  backends.stopAll();
  await etcd?.stop();
}, 20_000);

describe("a burst past the free slots", () => {
  test("goes in through add server and routes before any reload", async () => {
    const before = await sluice.status();
    const names = Array.from({ length: BURST }, (_, i) => `b${i + 1}`);
    const revisions = await Promise.all(names.map(register));
    const applied = await sluice.waitApplied(Math.max(...revisions));
    // No add waited for a reload: every one went through the runtime API.
    expect(applied.haproxy.reloads).toBe(before.haproxy.reloads);
    expect(servedByReload(sluice.log(), revisions)).toEqual([]);
    expect(applied.apply.next_reload_at).not.toBeNull();
    expect(applied.haproxy.runtime_updates).toBeGreaterThanOrEqual(
      before.haproxy.runtime_updates + BURST,
    );
    const live = await haproxyServers();
    const dynamic = [...live.keys()].filter((name) => name.startsWith(".add"));
    expect(dynamic.length).toBeGreaterThan(0);
    // Each dynamic server is one of the burst's backends.
    const addresses = new Set(backends.all().map((backend) => backend.address));
    for (const name of dynamic) expect(addresses.has(live.get(name)!)).toBe(true);
    await allTakeTraffic(["first", ...names]);
  }, 20_000);

  test("a server added at runtime and removed leaves without a reload", async () => {
    const before = await sluice.status();
    const live = await haproxyServers();
    const dynamicAddress = [...live].find(([name]) => name.startsWith(".add"))![1];
    const gone = backends.all().find((backend) => backend.address === dynamicAddress)!;
    const deleted = await etcd.client.delete().key(`/apps/web/${gone.name}`);
    const applied = await sluice.waitApplied(Number(deleted.header.revision));
    expect(applied.haproxy.reloads).toBe(before.haproxy.reloads);
    // In flight requests may still end there: look once they have.
    await Bun.sleep(200);
    expect(await takesTraffic(gone.name, 500)).toBe(false);
    const kept = backends.all().filter((backend) => backend !== gone);
    await allTakeTraffic(kept.map((backend) => backend.name));
  }, 20_000);

  test("the background reload moves every server into a slot of its own, with 0 failed", async () => {
    const before = await sluice.status();
    // The burst left servers in dynamic slots: sluice reloads by itself to give them slots.
    const after = await waitFor(
      "the background reload",
      async () => {
        const status = await sluice.status();
        return status.haproxy.reloads > before.haproxy.reloads ? status : undefined;
      },
      10_000,
      100,
    );
    expect(after.haproxy.reloads).toBe(before.haproxy.reloads + 1);
    expect(sluice.log()).toContain("added at runtime wait for slots");
    const live = await haproxyServers();
    expect([...live.keys()].filter((name) => name.startsWith(".add"))).toEqual([]);
    const body = (await (await sluice.adminFetch("/v1/services/web")).json()) as {
      servers: { name: string }[];
    };
    const served = body.servers.map((server) => server.name);
    expect(served).toHaveLength(BURST);
    for (const name of served) expect(live.has(name)).toBe(true);
    await allTakeTraffic(served);
    // A quiet moment later no further reload follows: the slots have room.
    await Bun.sleep(1500);
    expect((await sluice.status()).haproxy.reloads).toBe(after.haproxy.reloads);
    const result = await load.stop();
    expect(result.ok).toBeGreaterThan(100);
    expect(result.failed).toBe(0);
  }, 20_000);
});
