// Membership changes go through HAProxy's runtime API: no reload, no dropped request.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { sendBatch } from "../../src/haproxy/runtime.ts";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { startLoad } from "../helpers/load.ts";
import { freePort, waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

let etcd: TestEtcd;
let sluice: TestSluice;
const backends = new Map<string, TestBackend>();

function backend(name: string): TestBackend {
  let b = backends.get(name);
  if (!b) {
    b = startBackend(name);
    backends.set(name, b);
  }
  return b;
}

async function register(name: string, extra: Record<string, unknown> = {}) {
  const put = await etcd.client
    .put(`/apps/web/${name}`)
    .value(JSON.stringify({ addr: backend(name).address, name, ...extra }));
  return sluice.waitApplied(put.header.revision);
}

function count(names: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

beforeAll(async () => {
  etcd = await startEtcd();
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    // Room for every server these tests add, so none of them needs a reload for capacity.
    haproxyToml: "spare_slots = 16",
    extraToml: '[[service]]\nname = "web"\nbalance = "roundrobin"\n',
  });
  await register("a");
  await register("b");
});

afterAll(async () => {
  await sluice?.stop();
  for (const b of backends.values()) b.stop();
  await etcd?.stop();
});

describe("membership through the runtime API", () => {
  test("an added server takes traffic without a reload", async () => {
    const before = await sluice.status();
    const after = await register("c");
    expect(after.haproxy.reloads).toBe(before.haproxy.reloads);
    expect(after.haproxy.runtime_updates).toBeGreaterThan(before.haproxy.runtime_updates);
    expect(after.backends).toBe(3);
    expect(count(await sluice.sample(9))).toEqual({ a: 3, b: 3, c: 3 });
    // The file on disk follows what is live within 500 ms.
    await waitFor(
      "the file to list c",
      () =>
        readFileSync(sluice.renderedFile, "utf8").includes(
          ` ${backend("c").address} check weight 1`,
        ),
      1000,
    );
  });

  test("a re-weighted server gets its share without a reload", async () => {
    const before = await sluice.status();
    const after = await register("b", { weight: 4 });
    expect(after.haproxy.reloads).toBe(before.haproxy.reloads);
    const counts = count(await sluice.sample(60));
    expect(counts.b).toBe(40);
    expect(counts.a).toBe(10);
  });

  test("a drained server gets no new requests without a reload", async () => {
    const before = await sluice.status();
    const after = await register("a", { drain: true });
    expect(after.haproxy.reloads).toBe(before.haproxy.reloads);
    expect(count(await sluice.sample(20)).a).toBeUndefined();
    await register("a");
    await register("b");
  });

  test("a removed server stops getting traffic without a reload", async () => {
    const before = await sluice.status();
    const deleted = await etcd.client.delete().key("/apps/web/c");
    const after = await sluice.waitApplied(deleted.header.revision);
    expect(after.haproxy.reloads).toBe(before.haproxy.reloads);
    expect(count(await sluice.sample(10))).toEqual({ a: 5, b: 5 });
    await waitFor(
      "the file to drop c",
      () => !readFileSync(sluice.renderedFile, "utf8").includes(backend("c").address),
      1000,
    );
  });

  test("a re-addressed server moves without a reload", async () => {
    const before = await sluice.status();
    const moved = startBackend("b");
    backends.set("b-moved", moved);
    const put = await etcd.client
      .put("/apps/web/b")
      .value(JSON.stringify({ addr: moved.address, name: "b" }));
    const after = await sluice.waitApplied(put.header.revision);
    expect(after.haproxy.reloads).toBe(before.haproxy.reloads);
    const hitsBefore = moved.hits;
    await sluice.sample(10);
    expect(moved.hits - hitsBefore).toBe(5);
  });

  test("a cookie-sticky client keeps its server across runtime adds of other servers", async () => {
    const first = await sluice.get("/");
    const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
    const owner = await first.text();
    expect(cookie).toMatch(/^JSESSIONID=[0-9a-f]+~/);
    const reloadsBefore = (await sluice.status()).haproxy.reloads;
    for (const name of ["d", "e", "f", "g"]) {
      await register(name);
      for (let i = 0; i < 5; i++) {
        const response = await sluice.get("/", { headers: { cookie } });
        expect(await response.text()).toBe(owner);
      }
    }
    expect((await sluice.status()).haproxy.reloads).toBe(reloadsBefore);
    // Without the cookie, requests do spread over the new servers.
    expect(Object.keys(count(await sluice.sample(12))).length).toBe(6);
  });

  test("a server added at runtime is health-checked: a dead one is marked down", async () => {
    const port = freePort();
    const put = await etcd.client.put("/apps/web/dead").value(`dead 127.0.0.1:${port}`);
    const status = await sluice.waitApplied(put.header.revision);
    expect(status.backends).toBeGreaterThan(1);
    /** srv_op_state of the slot serving 127.0.0.1:<port> (0 stopped, 2 running). */
    const opState = async () => {
      const [state] = await sendBatch(`${sluice.dir}/run/haproxy.sock`, ["show servers state web"]);
      const fields = (state ?? "")
        .split("\n")
        .map((line) => line.split(" "))
        .find((f) => f[4] === "127.0.0.1" && f[18] === String(port));
      return fields?.[5];
    };
    expect(await opState()).toBeDefined();
    // HAProxy's checks (inter 2s, fall 3) take the dead server out of the pool.
    await waitFor(
      "the dead server to be marked down",
      async () => (await opState()) === "0",
      12_000,
      250,
    );
    const deleted = await etcd.client.delete().key("/apps/web/dead");
    await sluice.waitApplied(deleted.header.revision);
  });

  test("adds and removes under load fail no request and cause no reload", async () => {
    const before = await sluice.status();
    const load = startLoad({
      url: `http://127.0.0.1:${sluice.httpPort}/`,
      concurrency: 4,
      keepAlive: true,
      maxMs: 30_000,
      maxRequests: 500_000,
    });
    for (let round = 0; round < 10; round++) {
      await register(`churn-${round % 3}`);
      const deleted = await etcd.client.delete().key(`/apps/web/churn-${(round + 1) % 3}`);
      await sluice.waitApplied(deleted.header.revision);
    }
    const result = await load.stop();
    const after = await sluice.status();
    expect([...result.errors]).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.ok).toBeGreaterThan(100);
    expect(after.haproxy.reloads).toBe(before.haproxy.reloads);
  });
});
