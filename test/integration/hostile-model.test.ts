// Hostile registrations against the built dist/sluice, a real etcd and HAProxy: a look-alike
// service name cannot take a Host, a new service does not move the default backend, keys that
// differ only in invalid UTF-8 stay apart and are never served, and unusable addresses are refused.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { createBackendPool, type TestBackend } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

let etcd: TestEtcd;
let sluice: TestSluice;
const pool = createBackendPool();
const backend = (name: string): TestBackend => pool.start(name);

async function put(key: string | Buffer, value: string | Buffer) {
  const response = await etcd.client.put(key).value(value);
  return sluice.waitApplied(response.header.revision, 10_000);
}

async function remove(key: string | Buffer) {
  const response = await etcd.client.delete().key(key);
  return sluice.waitApplied(response.header.revision, 10_000);
}

beforeAll(async () => {
  etcd = await startEtcd();
  sluice = await startSluice({ etcdEndpoint: etcd.endpoint });
  await put("/apps/web/a", `web-a ${backend("web-a").address}`);
});

afterAll(async () => {
  await sluice?.stop();
  pool.stopAll();
  await etcd?.stop();
});

test("a service named Web does not take web's traffic, before or after its key is deleted", async () => {
  const status = await put("/apps/Web/x", `evil ${backend("evil").address}`);
  expect(status.rejected.map((entry) => [entry.key, entry.reason])).toEqual([
    [
      "/apps/Web/x",
      'service name "Web" differs only in case from "web", which came first; HAProxy matches Host headers without case',
    ],
  ]);
  expect(new Set(await sluice.sample(10, "web"))).toEqual(new Set(["web-a"]));
  expect(new Set(await sluice.sample(10, "WEB"))).toEqual(new Set(["web-a"]));
  await remove("/apps/Web/x");
  expect(new Set(await sluice.sample(10, "web"))).toEqual(new Set(["web-a"]));
});

test("registering a service that sorts first does not move the default backend", async () => {
  const before = await sluice.status();
  expect(before.default_service).toBe("web");
  const status = await put("/apps/aaa-test/x", `aaa ${backend("aaa").address}`);
  expect(status.default_service).toBe("web");
  expect(new Set(await sluice.sample(10, "unknown.example"))).toEqual(new Set(["web-a"]));
  expect(new Set(await sluice.sample(5, "aaa-test"))).toEqual(new Set(["aaa"]));
});

test("keys that differ only in invalid UTF-8 bytes are two rejections, never served", async () => {
  const xff = Buffer.from("/apps/web/x\xff", "latin1");
  const xfe = Buffer.from("/apps/web/x\xfe", "latin1");
  await put(xff, `bytes-ff ${backend("bytes-ff").address}`);
  let status = await put(xfe, `bytes-fe ${backend("bytes-fe").address}`);
  const invalid = status.rejected.filter((entry) => /not valid UTF-8/.test(entry.reason));
  expect(invalid.map((entry) => entry.key)).toEqual(["/apps/web/x\\xfe", "/apps/web/x\\xff"]);
  expect(new Set(await sluice.sample(10, "web"))).toEqual(new Set(["web-a"]));
  status = await remove(xfe);
  expect(status.rejected.map((entry) => entry.key)).toContain("/apps/web/x\\xff");
  expect(status.rejected.map((entry) => entry.key)).not.toContain("/apps/web/x\\xfe");
  await remove(xff);
});

test("a value that is not valid UTF-8 is rejected, shown with its bytes escaped", async () => {
  const value = Buffer.concat([Buffer.from(`bad ${backend("bad").address}`), Buffer.from([0xff])]);
  const status = await put("/apps/web/badvalue", value);
  const entry = status.rejected.find((rejected) => rejected.key === "/apps/web/badvalue");
  expect(entry?.reason).toMatch(/is not valid UTF-8/);
  expect(entry?.value.endsWith("\\xff")).toBe(true);
  expect(new Set(await sluice.sample(10, "web"))).toEqual(new Set(["web-a"]));
  await remove("/apps/web/badvalue");
});

test("unusable addresses are rejected with a reason each; loopback still serves", async () => {
  const cases: [string, RegExp][] = [
    ["0.0.0.0:80", /unspecified address/],
    ["255.255.255.255:80", /broadcast address/],
    ["224.0.0.1:80", /multicast address/],
    ["[::]:80", /unspecified address/],
    ["[ff02::1]:80", /multicast address/],
    ["0x7f.0.0.1:80", /hexadecimal/],
  ];
  let status = await sluice.status();
  for (const [index, [address]] of cases.entries()) {
    status = await put(`/apps/bad/u${index}`, `u${index} ${address}`);
  }
  for (const [index, [, reason]] of cases.entries()) {
    const entry = status.rejected.find((rejected) => rejected.key === `/apps/bad/u${index}`);
    expect(entry?.reason).toMatch(reason);
  }
  const loopback = backend("loop");
  status = await put("/apps/web/loop", `loop 127.0.0.1:${loopback.port}`);
  expect(new Set(await sluice.sample(20, "web"))).toEqual(new Set(["web-a", "loop"]));
});
