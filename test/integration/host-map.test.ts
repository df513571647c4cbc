// Host routing through the default template's map, against the built dist/sluice, a real etcd and
// HAProxy: names and `hostnames` without case or port, default_backend for the rest, hosts.map
// written beside haproxy.cfg, and a new service's Host routing after its reload.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createBackendPool } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

let etcd: TestEtcd;
let sluice: TestSluice;
const pool = createBackendPool();

const SERVICES = `
[[service]]
name = "web"
hostnames = ["WWW.Example.com", "example.com"]

[[service]]
name = "api"
hostnames = ["api.example.com", "example.com"]
`;

async function put(key: string, value: string) {
  const response = await etcd.client.put(key).value(value);
  return sluice.waitApplied(response.header.revision, 10_000);
}

/** The backends `count` requests with Host `host` reached. */
async function reached(host: string, count = 4): Promise<Set<string>> {
  return new Set(await sluice.sample(count, host));
}

const mapFile = () => join(dirname(sluice.renderedFile), "hosts.map");

beforeAll(async () => {
  etcd = await startEtcd();
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    extraToml: SERVICES,
    haproxyToml: 'default_service = "api"',
  });
  await put("/apps/web/a", `web-a ${pool.start("web-a").address}`);
  await put("/apps/api/a", `api-a ${pool.start("api-a").address}`);
});

afterAll(async () => {
  await sluice?.stop();
  pool.stopAll();
  await etcd?.stop();
});

test("haproxy.cfg has one use_backend line and hosts.map beside it holds the Host map", () => {
  const config = readFileSync(sluice.renderedFile, "utf8");
  const rules = config.split("\n").filter((line) => line.includes("use_backend"));
  expect(rules).toEqual([
    `    use_backend %[req.hdr(host),field(1,:),lower,map_str(${mapFile()})]`,
  ]);
  expect(config).toContain("    default_backend api\n");
  // Services in name order, each name then its hostnames; example.com stays with the first.
  expect(readFileSync(mapFile(), "utf8")).toBe(
    "api api\napi.example.com api\nexample.com api\nweb web\nwww.example.com web\n",
  );
});

test("names and hostnames route without case or port; other Hosts take default_backend", async () => {
  for (const host of ["web", "WEB", "web:8080", "www.example.com", "Www.Example.COM:80"]) {
    expect({ host, reached: [...(await reached(host))] }).toEqual({ host, reached: ["web-a"] });
  }
  for (const host of ["api", "API.example.com", "example.com", "unknown.example", "w"]) {
    expect({ host, reached: [...(await reached(host))] }).toEqual({ host, reached: ["api-a"] });
  }
});

test("a new service's Host routes after the reload that adds it, through the map", async () => {
  expect(await reached("shop")).toEqual(new Set(["api-a"]));
  const before = await sluice.status();
  await put("/apps/shop/a", `shop-a ${pool.start("shop-a").address}`);
  await waitFor("shop to route", async () => (await reached("SHOP")).has("shop-a"), 10_000);
  expect(await reached("Shop:80")).toEqual(new Set(["shop-a"]));
  expect(readFileSync(mapFile(), "utf8")).toContain("shop shop\n");
  expect(existsSync(`${mapFile()}.staged`)).toBe(false);
  const after = await sluice.status();
  expect(after.haproxy.reloads).toBeGreaterThan(before.haproxy.reloads);
  // The others still route as before.
  expect(await reached("www.example.com")).toEqual(new Set(["web-a"]));
  expect(await reached("nothing.example")).toEqual(new Set(["api-a"]));
});
