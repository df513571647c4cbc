// Operator actions against a real etcd, HAProxy and backends: drain and maint take a backend out
// of traffic through the runtime API with no reload, stay in force across a forced reload and a
// new value of the same key in etcd, and ready brings it back.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sendBatch } from "../../src/haproxy/runtime.ts";
import { createBackendPool } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

let etcd: TestEtcd;
let sluice: TestSluice;
const backends = createBackendPool();

async function register(name: string, value: Record<string, unknown>): Promise<void> {
  const put = await etcd.client.put(`/apps/web/${name}`).value(JSON.stringify(value));
  await sluice.waitApplied(put.header.revision);
}

function act(backend: string, action: string): Promise<Response> {
  return sluice.adminFetch(`/v1/services/web/backends/${backend}/${action}`, {
    method: "POST",
  });
}

/** HAProxy's forced admin state of web's server of backend `name` (`show servers state`, found
 * by its port: a server added at runtime sits in a spare slot): 0 ready, 1 maint, 8 drain (the
 * bits set by hand; a slot rendered `disabled` keeps bit 4); and its weight. */
async function haproxyState(name: string): Promise<{ admin: number; weight: number }> {
  const port = String(backends.all().find((backend) => backend.name === name)!.port);
  const [dump] = await sendBatch(join(sluice.dir, "run", "haproxy.sock"), [
    "show servers state web",
  ]);
  const row = dump!
    .split("\n")
    .map((line) => line.split(" "))
    .find((fields) => fields[1] === "web" && fields[18] === port);
  if (!row) throw new Error(`web/${name} is not in:\n${dump}`);
  return { admin: Number(row[6]) & 9, weight: Number(row[7]) };
}

/** The admin state saved for backend `name` in HAProxy's server-state file on disk. */
function savedState(name: string): number {
  const port = String(backends.all().find((backend) => backend.name === name)!.port);
  const text = readFileSync(join(sluice.dir, "state", "haproxy.state"), "utf8");
  const row = text
    .split("\n")
    .map((line) => line.split(" "))
    .find((fields) => fields[1] === "web" && fields[18] === port);
  if (!row) throw new Error(`web/${name} is not in the state file:\n${text}`);
  return Number(row[6]);
}

async function served(): Promise<Set<string>> {
  return new Set(await sluice.sample(12, "web"));
}

const reloads = async () => (await sluice.status()).haproxy.reloads;

beforeAll(async () => {
  etcd = await startEtcd();
  sluice = await startSluice({ etcdEndpoint: etcd.endpoint });
  await register("a", { addr: backends.start("a").address });
  await register("b", { addr: backends.start("b").address });
}, 30_000);

afterAll(async () => {
  await sluice?.stop();
  backends.stopAll();
  await etcd?.stop();
});

describe("operator actions", () => {
  test("drain holds across a forced reload and a new weight in etcd; ready brings b back", async () => {
    expect(await served()).toEqual(new Set(["a", "b"]));
    const before = await reloads();

    const drained = await act("b", "drain");
    expect(await drained.json()).toEqual({
      ok: true,
      service: "web",
      backend: "b",
      action: "drain",
    });
    expect(await served()).toEqual(new Set(["a"]));
    expect((await haproxyState("b")).admin).toBe(8);
    expect(await reloads()).toBe(before);
    const status = await sluice.status();
    expect(status.overrides).toMatchObject([
      { service: "web", backend: "b", key: "/apps/web/b", action: "drain" },
    ]);
    const services = (await (await sluice.adminFetch(`/v1/services/web`)).json()) as {
      servers: { name: string; override: string | null }[];
    };
    expect(services.servers.map((server) => [server.name, server.override])).toEqual([
      ["a", null],
      ["b", "drain"],
    ]);

    expect((await sluice.adminFetch(`/v1/reload`, { method: "POST" })).status).toBe(200);
    expect(await reloads()).toBe(before + 1);
    expect(await served()).toEqual(new Set(["a"]));
    expect((await haproxyState("b")).admin).toBe(8);

    await register("b", { addr: backends.all()[1]!.address, weight: 5 });
    expect((await haproxyState("b")).weight).toBe(5);
    expect((await haproxyState("b")).admin).toBe(8);
    expect(await served()).toEqual(new Set(["a"]));

    // A new address passes the slot through `state ready`: the drain is put back in the batch.
    const moved = backends.start("b2");
    await register("b", { addr: moved.address, weight: 5 });
    expect((await haproxyState("b2")).admin).toBe(8);
    expect(await served()).toEqual(new Set(["a"]));

    expect((await act("b", "ready")).status).toBe(200);
    expect((await haproxyState("b2")).admin).toBe(0);
    expect(await served()).toEqual(new Set(["a", "b2"]));
    expect((await sluice.status()).overrides).toEqual([]);
    // The one reload was the forced one; the etcd change went through the runtime API.
    expect(await reloads()).toBe(before + 1);
  }, 30_000);

  test("maint takes b out and holds across a reload; ready restores it", async () => {
    const before = await reloads();
    expect((await act("b", "maint")).status).toBe(200);
    expect((await haproxyState("b2")).admin).toBe(1);
    expect(await served()).toEqual(new Set(["a"]));
    expect(await reloads()).toBe(before);

    expect((await sluice.adminFetch(`/v1/reload`, { method: "POST" })).status).toBe(200);
    expect((await haproxyState("b2")).admin).toBe(1);
    expect(await served()).toEqual(new Set(["a"]));

    // The state file a crashed HAProxy would restart from follows the override, both ways.
    expect(savedState("b2") & 9).toBe(1);
    expect((await act("b", "ready")).status).toBe(200);
    expect(savedState("b2") & 9).toBe(0);
    expect(await served()).toEqual(new Set(["a", "b2"]));
    expect(await reloads()).toBe(before + 1);
    const { events } = (await (
      await sluice.adminFetch(`/v1/events?format=json&limit=1000`)
    ).json()) as { events: { type: string; data: Record<string, unknown> }[] };
    const overrides = events.filter((event) => event.type === "override").map((e) => e.data.action);
    expect(overrides).toEqual(["drain", "ready", "maint", "ready"]);
  }, 30_000);

  test("a drain is put back after HAProxy crashed and was restarted without its state", async () => {
    expect((await act("a", "drain")).status).toBe(200);
    const { haproxy } = await sluice.status();
    process.kill(haproxy.pid!, "SIGKILL");
    await waitFor(
      "haproxy restarted and applied again",
      async () => {
        const status = await sluice.status();
        const again = status.haproxy.restarts > haproxy.restarts && status.haproxy.responsive;
        return again && !status.apply.pending && status.haproxy.reloads > haproxy.reloads;
      },
      15_000,
    );
    expect((await haproxyState("a")).admin).toBe(8);
    // A restarted HAProxy checks b2 afresh: it serves once the first checks passed.
    await waitFor("b2 serving", async () => (await served()).has("b2"), 5000);
    expect(await served()).toEqual(new Set(["b2"]));
    expect((await act("a", "ready")).status).toBe(200);
    expect(await served()).toEqual(new Set(["a", "b2"]));
  }, 30_000);

  test("an unknown service or backend is a 404 with JSON", async () => {
    const response = await act("nope", "drain");
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toContain('"nope"');
    const service = await sluice.adminFetch(`/v1/services/nothing/backends/a/drain`, {
      method: "POST",
    });
    expect(service.status).toBe(404);
  });
});
