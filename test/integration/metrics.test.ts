// /metrics from a running daemon after churn: changes through the runtime API and forced reloads
// move the counters and histograms by exactly their number, and `promtool check metrics` finds
// nothing to say about the real scrape. The daemon logs JSON here, at debug.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { parseLogLine, startSluice, type TestSluice } from "../helpers/sluice.ts";

const PROMTOOL = "/usr/bin/promtool";

let etcd: TestEtcd;
let sluice: TestSluice;
const backends: TestBackend[] = [];

/** The samples of a scrape by `name{labels}`, as written. */
function parseScrape(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^(\S+) (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    samples.set(match[1]!, Number(match[2]!.replace("+Inf", "Infinity")));
  }
  return samples;
}

async function scrape(): Promise<{ text: string; samples: Map<string, number> }> {
  const response = await sluice.adminFetch(`/metrics`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { text, samples: parseScrape(text) };
}

async function put(name: string): Promise<void> {
  const backend = startBackend(name);
  backends.push(backend);
  const result = await etcd.client
    .put(`/apps/web/${name}`)
    .value(JSON.stringify({ addr: backend.address, name }));
  await sluice.waitApplied(result.header.revision);
}

async function remove(name: string): Promise<void> {
  const result = await etcd.client.delete().key(`/apps/web/${name}`);
  await sluice.waitApplied(result.header.revision);
}

beforeAll(async () => {
  etcd = await startEtcd();
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    haproxyToml: "spare_slots = 8",
    extraToml: '[[service]]\nname = "web"\n',
    logFormat: "json",
    logLevel: "debug",
  });
  await put("a");
  await put("b");
});

afterAll(async () => {
  await sluice?.stop();
  for (const backend of backends) backend.stop();
  await etcd?.stop();
});

describe("/metrics after churn", () => {
  const RUNTIME_CHANGES = 6;
  const FORCED_RELOADS = 3;

  test("counters and histograms move by exactly the changes and reloads made", async () => {
    const before = (await scrape()).samples;
    for (const name of ["c", "d", "e"]) await put(name);
    for (const name of ["c", "d", "e"]) await remove(name);
    for (let i = 0; i < FORCED_RELOADS; i++) {
      const response = await sluice.adminFetch(`/v1/reload`, { method: "POST" });
      expect(response.status).toBe(200);
    }
    const after = (await scrape()).samples;
    const moved = (name: string) => (after.get(name) ?? Number.NaN) - (before.get(name) ?? 0);
    expect(moved('sluice_changes_applied_total{via="runtime_api"}')).toBe(RUNTIME_CHANGES);
    expect(moved("sluice_haproxy_runtime_updates_total")).toBe(RUNTIME_CHANGES);
    expect(moved('sluice_changes_applied_total{via="reload"}')).toBe(FORCED_RELOADS);
    expect(moved("sluice_haproxy_reloads_total")).toBe(FORCED_RELOADS);
    expect(moved("sluice_haproxy_reload_duration_seconds_count")).toBe(FORCED_RELOADS);
    expect(moved('sluice_haproxy_reload_duration_seconds_bucket{le="+Inf"}')).toBe(FORCED_RELOADS);
    expect(moved("sluice_haproxy_reload_duration_seconds_sum")).toBeGreaterThan(0);
    // Every change from etcd is one latency observation; a forced reload has none.
    expect(moved("sluice_propagation_latency_seconds_count")).toBe(RUNTIME_CHANGES);
    expect(moved('sluice_propagation_latency_seconds_bucket{le="+Inf"}')).toBe(RUNTIME_CHANGES);
    // A runtime update routes well within a second.
    expect(moved('sluice_propagation_latency_seconds_bucket{le="1"}')).toBe(RUNTIME_CHANGES);
    expect(moved("sluice_apply_failures_total")).toBe(0);
    expect(moved("sluice_rollbacks_total")).toBe(0);
    expect(after.get('sluice_changes_applied_total{via="start"}')).toBe(1);
    expect(after.get('sluice_backends{state="unchecked"}')).toBeDefined();
    expect(after.get("sluice_etcd_connected")).toBe(1);
    // The lag sampler ticks every 100 ms from the start.
    expect(after.get("sluice_event_loop_lag_seconds_count")).toBeGreaterThan(0);
  });

  test("a rejected value shows, and promtool check metrics finds nothing to say", async () => {
    const result = await etcd.client.put("/apps/web/broken").value("{not json");
    await sluice.waitApplied(result.header.revision);
    const { text, samples } = await scrape();
    expect(samples.get('sluice_rejected_registrations{service="web"}')).toBe(1);
    // No float noise: at most 12 significant digits in any number.
    for (const line of text.split("\n").filter((l) => l !== "" && !l.startsWith("#"))) {
      expect(line).toMatch(/ (-?\d+(\.\d{1,12})?(e[-+]\d+)?|\+Inf|NaN)$/);
    }
    const families = text.match(/^# TYPE (\S+)/gm)!.length;
    expect(text.match(/^# HELP (\S+)/gm)!.length).toBe(families);
    const check = Bun.spawnSync([PROMTOOL, "check", "metrics"], { stdin: Buffer.from(text) });
    const said = `${check.stdout.toString()}${check.stderr.toString()}`;
    expect(said).toBe("");
    expect(check.exitCode).toBe(0);
  });
});

describe("logs", () => {
  test("every line is one JSON object; debug shows each etcd event and runtime command", () => {
    const lines = sluice
      .log()
      .split("\n")
      .filter((line) => line !== "");
    expect(lines.length).toBeGreaterThan(5);
    for (const line of lines) {
      expect(line.startsWith("{"), line).toBe(true);
      expect(parseLogLine(line), line).toBeDefined();
    }
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.some((line) => line.msg === "etcd event" && line.key === "/apps/web/c")).toBe(
      true,
    );
    const commands = parsed.filter((line) => line.msg === "runtime command");
    expect(commands.some((line) => String(line.command).includes("web/"))).toBe(true);
    expect(parsed.every((line) => typeof line.time === "string")).toBe(true);
  });

  test("PUT /v1/log-level changes the level at runtime; GET reads it", async () => {
    const url = "/v1/log-level";
    const change = (level: string) =>
      sluice.adminFetch(url, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ level }),
      });
    expect((await change("info")).status).toBe(200);
    expect(await (await sluice.adminFetch(url)).json()).toEqual({ level: "info" });
    const logged = sluice.log().length;
    await put("f");
    const since = sluice.log().slice(logged);
    expect(since).not.toContain('"level":"debug"');
    expect(since).toContain('"msg":"haproxy updated through the runtime API"');
    expect((await change("loud")).status).toBe(400);
    expect((await change("debug")).status).toBe(200);
    const again = sluice.log().length;
    await remove("f");
    expect(sluice.log().slice(again)).toContain('"msg":"runtime command"');
    // Each change is an event too.
    const { events } = (await (await sluice.adminFetch("/v1/events?format=json")).json()) as {
      events: { type: string; data: { level?: string } }[];
    };
    const levels = events.filter((event) => event.type === "log_level");
    expect(levels.map((event) => event.data.level)).toEqual(["info", "debug"]);
  });
});
