// /v1/events against a real etcd, HAProxy and backends: an SSE client sees, in order, the change
// and the apply of an add, a forced reload, and a health transition; after a disconnect it
// reconnects with Last-Event-ID and gets exactly what it missed.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createBackendPool } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";
import { openEvents, type ReceivedEvent } from "../helpers/sse.ts";

let etcd: TestEtcd;
let sluice: TestSluice;
const backends = createBackendPool();

async function register(name: string, address: string): Promise<number> {
  const put = await etcd.client.put(`/apps/web/${name}`).value(JSON.stringify({ addr: address }));
  await sluice.waitApplied(put.header.revision);
  return Number(put.header.revision);
}

beforeAll(async () => {
  etcd = await startEtcd();
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    extraToml: ["[health]", 'interval = "300ms"', 'timeout = "200ms"', "fall = 2", "rise = 2"].join(
      "\n",
    ),
  });
  await register("a", backends.start("a").address);
}, 30_000);

afterAll(async () => {
  await sluice?.stop();
  backends.stopAll();
  await etcd?.stop();
});

const is =
  (type: string, fields: Record<string, unknown> = {}) =>
  (event: ReceivedEvent) =>
    event.type === type &&
    Object.entries(fields).every(([key, value]) => event.data[key] === value);

describe("GET /v1/plan?diff=1", () => {
  test("served and next are the same once applied: an empty diff; without diff=1 no field", async () => {
    const withDiff = (await (await sluice.adminFetch(`/v1/plan?diff=1`)).json()) as {
      plan: { kind: string };
      diff: string;
    };
    expect(withDiff.plan.kind).toBe("none");
    expect(withDiff.diff).toBe("");
    const plain = (await (await sluice.adminFetch(`/v1/plan`)).json()) as object;
    expect("diff" in plain).toBe(false);
  });
});

describe("GET /v1/events", () => {
  test("an add, a forced reload and a health transition arrive in order; a reconnect misses nothing", async () => {
    const client = await openEvents(`${sluice.adminUrl}/v1/events`);
    const b = backends.start("b");
    const revision = await register("b", b.address);
    const change = await client.waitFor(is("change", { key: "/apps/web/b", kind: "put" }));
    expect(change.data.revision).toBe(revision);
    const apply = await client.waitFor(is("apply", { revision }));
    expect(["runtime", "reload"]).toContain(apply.data.kind as string);
    expect(apply.data.duration_ms).toBeGreaterThanOrEqual(0);
    if (apply.data.kind === "runtime") expect(apply.data.commands).toBeGreaterThan(0);

    const reload = await sluice.adminFetch(`/v1/reload`, { method: "POST" });
    expect(reload.status).toBe(200);
    const reloaded = await client.waitFor(is("reload", { ok: true }));
    expect(reloaded.data.error).toBeNull();
    await client.waitFor(is("apply", { kind: "reload" }));

    // b must be seen up before it can go down.
    await waitHealthy("b");
    b.stop();
    const down = await client.waitFor(is("health", { server: "b", to: "down" }), 5000);
    expect(down.data).toMatchObject({ service: "web", key: "/apps/web/b", from: "up" });

    const ids = client.events.map((event) => event.id!);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    const lastSeen = ids.at(-1)!;
    client.close();

    // Missed while away: the change and apply of c.
    const c = backends.start("c");
    const cRevision = await register("c", c.address);
    const missed = (await fetchJson(cRevision)).filter((event) => event.id > lastSeen);
    expect(missed.map((event) => event.type)).toEqual(expect.arrayContaining(["change", "apply"]));
    const again = await openEvents(`${sluice.adminUrl}/v1/events`, {
      "last-event-id": String(lastSeen),
    });
    await again.waitFor(is("apply", { revision: cRevision }));
    const replayed = again.events.map((event) => event.id);
    expect(replayed.slice(0, missed.length)).toEqual(missed.map((event) => event.id));
    expect(replayed[0]).toBe(lastSeen + 1);
    expect(new Set(replayed).size).toBe(replayed.length);
    expect(again.events.some((event) => event.type === "gap")).toBe(false);
    again.close();
  }, 30_000);

  test("format=json lists the recent events with ids, types, times and data", async () => {
    const response = await sluice.adminFetch(`/v1/events?format=json&limit=3`);
    const body = (await response.json()) as { events: { id: number; type: string; at: string }[] };
    expect(body.events).toHaveLength(3);
    expect(Date.parse(body.events[0]!.at)).toBeGreaterThan(0);
    expect(body.events[1]!.id).toBe(body.events[0]!.id + 1);
  });
});

/** The recent events once the `apply` of `revision` is among them, from the JSON list. */
async function fetchJson(revision: number) {
  for (let i = 0; i < 50; i++) {
    const response = await sluice.adminFetch(`/v1/events?format=json&limit=1000`);
    const { events } = (await response.json()) as {
      events: { id: number; type: string; data: Record<string, unknown> }[];
    };
    if (events.some((event) => event.type === "apply" && event.data.revision === revision)) {
      return events;
    }
    await Bun.sleep(50);
  }
  throw new Error(`no apply of revision ${revision}`);
}

async function waitHealthy(name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const response = await sluice.adminFetch(`/v1/services/web`);
    const body = (await response.json()) as {
      servers: { name: string; health: { state: string } }[];
    };
    if (body.servers.find((server) => server.name === name)?.health.state === "up") return;
    await Bun.sleep(50);
  }
  throw new Error(`${name} never came up`);
}
