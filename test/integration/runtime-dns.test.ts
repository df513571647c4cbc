// A server registered with a DNS host cannot be set through the runtime API (`set server addr`
// takes IPs): it is reloaded in, and the plan says why, instead of being dropped.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { createBackendPool, type TestBackend } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

let etcd: TestEtcd;
let sluice: TestSluice;
const pool = createBackendPool();
const backend = (name: string): TestBackend => pool.start(name);

async function put(key: string, value: string) {
  const response = await etcd.client.put(key).value(value);
  return sluice.waitApplied(response.header.revision, 10_000);
}

beforeAll(async () => {
  etcd = await startEtcd();
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    extraToml: '[[service]]\nname = "web"\nbalance = "roundrobin"\n',
  });
  await put("/apps/web/a", `a ${backend("a").address}`);
});

afterAll(async () => {
  await sluice?.stop();
  pool.stopAll();
  await etcd?.stop();
});

test("a server added with a DNS host takes traffic, through a reload", async () => {
  const before = await sluice.status();
  const b = backend("b");
  const status = await put("/apps/web/b", `b localhost:${b.port}`);
  expect(status.haproxy.reloads).toBe(before.haproxy.reloads + 1);
  const names = new Set(await sluice.sample(20, "web"));
  expect(names).toEqual(new Set(["a", "b"]));
  expect(status.apply.last_error).toBeNull();
});

test("a server moved from an IP to a DNS host leaves the old address", async () => {
  const moved = backend("a-moved");
  await put("/apps/web/a", `a localhost:${moved.port}`);
  const names = new Set(await sluice.sample(20, "web"));
  expect(names).toEqual(new Set(["a-moved", "b"]));
});
