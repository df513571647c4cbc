// A service grown one instance at a time from 1 to 100 on the default config, against real etcd
// and HAProxy, under a keep-alive load: each new server routes through the runtime API (no
// reload before it takes traffic), the slots grow in the background in O(log n) reloads, and no
// request fails.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { sendBatch } from "../../src/haproxy/runtime.ts";
import { servedByReload } from "../helpers/applies.ts";
import { createBackendPool, type TestBackend } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { type Load, startLoad } from "../helpers/load.ts";
import { waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

const COUNT = 100;

let etcd: TestEtcd;
let sluice: TestSluice;
let load: Load;
const backends = createBackendPool();

beforeAll(async () => {
  etcd = await startEtcd();
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    extraToml: '[[service]]\nname = "web"\nbalance = "roundrobin"\n',
  });
}, 30_000);

afterAll(async () => {
  if (process.env.DEBUG_LOG) console.log(sluice?.log());
  await load?.stop();
  await sluice?.stop();
  backends.stopAll();
  await etcd?.stop();
}, 20_000);

async function register(backend: TestBackend): Promise<number> {
  const put = await etcd.client
    .put(`/apps/web/${backend.name}`)
    .value(JSON.stringify({ addr: backend.address, name: backend.name }));
  return Number(put.header.revision);
}

describe("a service grown one instance at a time", () => {
  test("1 → 100: no add waits for a reload, slots grow in a few background reloads, 0 failed", async () => {
    const first = backends.start("s1");
    await sluice.waitApplied(await register(first));
    load = startLoad({
      url: `http://127.0.0.1:${sluice.httpPort}/`,
      headers: { host: "web" },
      concurrency: 4,
      keepAlive: true,
      maxMs: 90_000,
      maxRequests: 5_000_000,
    });
    const startReloads = (await sluice.status()).haproxy.reloads;
    const revisions: number[] = [];
    for (let i = 2; i <= COUNT; i++) {
      const backend = backends.start(`s${i}`);
      revisions.push(await register(backend));
      await waitFor(`s${i} takes traffic`, () => backend.hits > 0 || undefined, 3000, 2);
    }
    // The apply that first covered each add's revision routed it: it must not be a reload.
    expect(servedByReload(sluice.log(), revisions)).toEqual([]);
    // The slots grew ahead of demand: a few background reloads, counted, and no more once quiet.
    await Bun.sleep(2500);
    const status = await sluice.status();
    const reloads = status.haproxy.reloads - startReloads;
    expect(reloads).toBeGreaterThanOrEqual(2);
    expect(reloads).toBeLessThanOrEqual(6);
    expect(status.apply.background_reloads).toBe(reloads);
    expect(sluice.log()).toContain('msg="reloading in the background"');
    // Every server is in a slot of its own by now, and all of them take traffic.
    const [state] = await sendBatch(join(sluice.dir, "run", "haproxy.sock"), [
      "show servers state web",
    ]);
    expect(state).not.toContain(" .add");
    const hits = new Map(backends.all().map((backend) => [backend.name, backend.hits]));
    await waitFor(
      "every backend takes traffic",
      () => backends.all().every((b) => b.hits > hits.get(b.name)!) || undefined,
      3000,
      20,
    );
    const result = await load.stop();
    expect(result.ok).toBeGreaterThan(1000);
    expect(result.failed).toBe(0);
  }, 60_000);

  test("an add waits for no reload of another service: it routes while a new service's waits", async () => {
    // The pacing clock starts at this reload: the next one waits a second. (The count moves once
    // the new worker answers, which may be just after.)
    const reloadsBefore = (await sluice.status()).haproxy.reloads;
    expect((await sluice.reload()).ok).toBe(true);
    const reloads = reloadsBefore + 1;
    await waitFor(
      "the reload counted",
      async () => (await sluice.status()).haproxy.reloads === reloads || undefined,
      3000,
    );
    const api = backends.start("api-1");
    await etcd.client
      .put("/apps/api/api-1")
      .value(JSON.stringify({ addr: api.address, name: "api-1" }));
    const late = backends.start(`s${COUNT + 1}`);
    load = startLoad({
      url: `http://127.0.0.1:${sluice.httpPort}/`,
      headers: { host: "web" },
      concurrency: 4,
      keepAlive: true,
      maxMs: 15_000,
      maxRequests: 1_000_000,
    });
    const putAt = Date.now();
    const revision = await register(late);
    await waitFor("the add takes traffic", () => late.hits > 0 || undefined, 3000, 2);
    const routedMs = Date.now() - putAt;
    // It routed through the runtime API while the new service's reload was still waiting.
    const status = await sluice.status();
    expect(status.haproxy.reloads).toBe(reloads);
    expect(status.apply.next_reload_at).not.toBeNull();
    expect(routedMs).toBeLessThan(500);
    expect(servedByReload(sluice.log(), [revision])).toEqual([]);
    await waitFor(
      "api routes",
      async () => (await sluice.sample(1, "api"))[0] === "api-1" || undefined,
      5000,
    );
    await waitFor(
      "api's reload counted",
      async () => (await sluice.status()).haproxy.reloads === reloads + 1 || undefined,
      3000,
    );
    expect((await load.stop()).failed).toBe(0);
  }, 20_000);
});
