// Active health checks with real etcd, HAProxy and backends: HAProxy checks, sluice reads the
// states. A dead backend leaves traffic after `fall` checks and returns after `rise`, with no
// reload; HTTP checks send the path and Host and expect the status; runtime-added servers are
// checked; a re-addressed slot starts its checks over.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { sendBatch } from "../../src/haproxy/runtime.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { freePort, waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

const INTERVAL_MS = 500;

/** A backend on a fixed port that can stop listening and start again, and answer checks. */
type ControlledBackend = {
  name: string;
  port: number;
  address: string;
  hits: number;
  /** What `GET /healthz` answers. */
  healthStatus: number;
  /** Requests to /healthz: method and Host header. */
  checks: string[];
  kill(): void;
  revive(): void;
};

const started: ControlledBackend[] = [];

function controlledBackend(name: string): ControlledBackend {
  let server: ReturnType<typeof Bun.serve> | undefined;
  const backend: ControlledBackend = {
    name,
    port: freePort(),
    address: "",
    hits: 0,
    healthStatus: 200,
    checks: [],
    kill() {
      server?.stop(true);
      server = undefined;
    },
    revive() {
      server = Bun.serve({
        hostname: "127.0.0.1",
        port: backend.port,
        fetch(request) {
          const url = new URL(request.url);
          if (url.pathname === "/healthz") {
            backend.checks.push(`${request.method} ${request.headers.get("host")}`);
            return new Response("health", { status: backend.healthStatus });
          }
          backend.hits++;
          return new Response(name);
        },
      });
    },
  };
  backend.address = `127.0.0.1:${backend.port}`;
  backend.revive();
  started.push(backend);
  return backend;
}

let etcd: TestEtcd;
let sluice: TestSluice;

type ServerView = { name: string; health: { state: string; since: string; last_error: string } };

async function serverHealth(service: string, name: string): Promise<ServerView["health"]> {
  const response = await fetch(`${sluice.adminUrl}/v1/services/${service}`);
  const body = (await response.json()) as { servers: ServerView[] };
  const server = body.servers.find((candidate) => candidate.name === name);
  if (!server) throw new Error(`${service}/${name} is not served`);
  return server.health;
}

async function waitState(service: string, name: string, state: string, timeoutMs: number) {
  return waitFor(
    `${service}/${name} ${state}`,
    async () => ((await serverHealth(service, name)).state === state ? true : undefined),
    timeoutMs,
  );
}

async function register(service: string, name: string, address: string): Promise<void> {
  const put = await etcd.client
    .put(`/apps/${service}/${name}`)
    .value(JSON.stringify({ addr: address, name }));
  await sluice.waitApplied(put.header.revision);
}

beforeAll(async () => {
  etcd = await startEtcd();
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    haproxyToml: "spare_slots = 8",
    extraToml: [
      "[health]",
      `interval = "${INTERVAL_MS}ms"`,
      'timeout = "250ms"',
      "fall = 2",
      "rise = 2",
      "",
      "[[service]]",
      'name = "web"',
      'balance = "roundrobin"',
      "",
      "[[service]]",
      'name = "api"',
      'health_type = "http"',
      'health_path = "/healthz"',
      'health_host = "api.internal"',
      'health_expect_status = "200"',
      "",
      "[[service]]",
      'name = "slow"',
      "health_fall = 8",
      "",
    ].join("\n"),
  });
}, 30_000);

afterAll(async () => {
  await sluice?.stop();
  for (const backend of started) backend.kill();
  await etcd?.stop();
});

describe("active health checks", () => {
  test("a backend that stops answering leaves traffic after fall checks and returns after rise, with no reload", async () => {
    const a = controlledBackend("a");
    const b = controlledBackend("b");
    await register("web", "a", a.address);
    await register("web", "b", b.address);
    await waitState("web", "b", "up", 3000);
    const reloads = (await sluice.status()).haproxy.reloads;

    b.kill();
    const killedAt = Date.now();
    await waitState("web", "b", "down", 4000);
    const downAfterMs = Date.now() - killedAt;
    // fall = 2 checks every 500 ms: down within two intervals, plus a poll and some slack.
    expect(downAfterMs).toBeLessThan(2 * INTERVAL_MS + 1500);
    const down = await serverHealth("web", "b");
    expect(down.last_error).toStartWith("L4CON");
    expect(await sluice.sample(10, "web")).toEqual(Array(10).fill("a"));
    const metrics = await (await fetch(`${sluice.adminUrl}/metrics`)).text();
    expect(metrics).toContain('sluice_backends{state="down"} 1');
    const status = await sluice.status();
    expect(status.health).toMatchObject({ enabled: true, down: 1, stale: false, panic: false });
    expect(status.haproxy.reloads).toBe(reloads);
    expect(sluice.log()).toMatch(
      /msg="backend down" service=web server=b key=\/apps\/web\/b .*from=up to=down error="L4CON/,
    );

    b.revive();
    await waitState("web", "b", "up", 2 * INTERVAL_MS + 2500);
    const hitsBefore = b.hits;
    await sluice.sample(10, "web");
    expect(b.hits).toBeGreaterThan(hitsBefore);
    expect((await sluice.status()).haproxy.reloads).toBe(reloads);
    expect(sluice.log()).toMatch(/msg="backend up" service=web server=b .*from=down to=up/);
  }, 20_000);

  test("an HTTP check sends GET path with the Host header and marks a 500 down, where TCP says up", async () => {
    const good = controlledBackend("c");
    const failing = controlledBackend("d");
    failing.healthStatus = 500;
    await register("api", "c", good.address);
    await register("api", "d", failing.address);
    await waitState("api", "d", "down", 4000);
    expect((await serverHealth("api", "c")).state).toBe("up");
    const down = await serverHealth("api", "d");
    expect(down.last_error).toStartWith("L7STS");
    expect(down.last_error).toBe("L7STS 500 Internal Server Error");
    expect(good.checks.at(-1)).toBe("GET api.internal");
    // The failing backend answers everything but its health path: a TCP check would pass.
    expect(await sluice.sample(6, "api")).toEqual(Array(6).fill("c"));
    expect(failing.hits).toBe(0);
    failing.healthStatus = 200;
    await waitState("api", "d", "up", 2 * INTERVAL_MS + 2500);
  }, 20_000);

  test("a server added at runtime is checked: on a dead port it goes down, without a reload", async () => {
    const before = await sluice.status();
    await register("web", "e", `127.0.0.1:${freePort()}`);
    const after = await sluice.status();
    expect(after.haproxy.reloads).toBe(before.haproxy.reloads);
    expect(after.haproxy.runtime_updates).toBeGreaterThan(before.haproxy.runtime_updates);
    await waitState("web", "e", "down", 2 * INTERVAL_MS + 2500);
    expect((await serverHealth("web", "e")).last_error).toContain("Connection refused");
    expect((await sluice.status()).haproxy.reloads).toBe(before.haproxy.reloads);
  }, 20_000);

  test("a reload keeps a down server down, though it leaves the spare slot it was in", async () => {
    const socket = join(sluice.dir, "run", "haproxy.sock");
    const before = await sluice.status();
    expect((await serverHealth("web", "e")).state).toBe("down");
    const response = await sluice.reload();
    expect(response.ok).toBe(true);
    expect((await sluice.status()).haproxy.reloads).toBe(before.haproxy.reloads + 1);
    // Right after the reload, before any check could run: HAProxy restored its state under
    // its new slot name (e), instead of starting it up.
    const [reply] = await sendBatch(socket, ["show stat web 4 -1"]);
    const line = reply?.split("\n").find((candidate) => candidate.startsWith("web,e,"));
    expect(line?.split(",")[17]).toBe("DOWN");
    await Bun.sleep(3 * INTERVAL_MS);
    expect((await serverHealth("web", "e")).state).toBe("down");
    expect(sluice.log()).not.toMatch(/msg="backend up" service=web server=e /);
  }, 20_000);

  test("a server moved to another address starts its checks over instead of keeping its UP", async () => {
    const f = controlledBackend("f");
    await register("slow", "f", f.address);
    // Wait until HAProxy has it at full health (fall = 8: eight failures would take it down). A
    // slot made ready starts at `rise` ("UP 1/8") and its first passing check fills it up.
    const socket = join(sluice.dir, "run", "haproxy.sock");
    await waitFor(
      "slow/f at full health",
      async () => {
        const [reply] = await sendBatch(socket, ["show stat slow 4 -1"]);
        // The slot has HAProxy's name (a spare, when f came through the fast path); its address
        // is f's. Full health shows as plain "UP", not "UP 7/8".
        const line = reply?.split("\n").find((candidate) => candidate.includes(`,${f.address},`));
        return line?.split(",")[17] === "UP";
      },
      8000,
      100,
    );
    const before = await sluice.status();
    const movedAt = Date.now();
    await register("slow", "f", `127.0.0.1:${freePort()}`);
    expect((await sluice.status()).haproxy.reloads).toBe(before.haproxy.reloads);
    await waitState("slow", "f", "down", 8 * INTERVAL_MS);
    // Inheriting its full health it would need eight failed checks (4 s); started over, one.
    expect(Date.now() - movedAt).toBeLessThan(3 * INTERVAL_MS + 1000);
  }, 20_000);
});
