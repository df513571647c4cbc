import { describe, expect, test } from "bun:test";
import { type AdminHandlers, createAdminApp } from "../../../src/admin/app.ts";
import { HaproxyCheckError, RenderError } from "../../../src/errors.ts";
import type { Service } from "../../../src/model/types.ts";
import type { Status } from "../../../src/status.ts";
import { healthyStatus } from "./fixtures.ts";

/** The bindings of a request through the unix socket. */
const UNIX = { transport: "unix", loopback: true } as const;

const WEB: Service = {
  name: "web",
  balance: "leastconn",
  hostnames: [],
  servers: [
    {
      key: "/apps/web/a",
      name: "web-1",
      host: "10.0.0.1",
      port: 80,
      address: "10.0.0.1:80",
      weight: 1,
      drain: false,
      meta: {},
    },
  ],
};

/** What the daemon's plan handler returns: the revision, the plan, and held removals. */
const PLAN = {
  revision: 43,
  plan: {
    kind: "runtime",
    ops: [
      {
        backend: "web",
        server: ".spare1",
        commands: [
          "set server web/.spare1 addr 10.0.0.2 port 80",
          "set server web/.spare1 state ready",
        ],
        why: "address 0.0.0.0:0 → 10.0.0.2:80, enabled",
      },
    ],
  },
  held: [],
};

type Fake = AdminHandlers & { reloads: number; plans: number };

function fakeHandlers(overrides: Partial<AdminHandlers> = {}): Fake {
  const fake: Fake = {
    reloads: 0,
    plans: 0,
    status: async () => healthyStatus(),
    services: () => [WEB],
    rejected: () => healthyStatus().rejected,
    plan: () => {
      fake.plans++;
      return PLAN;
    },
    config: () => undefined,
    reload: async () => {
      fake.reloads++;
      return "reloaded";
    },
    token: () => undefined,
    ...overrides,
  };
  return fake;
}

describe("admin API", () => {
  test("GET /healthz answers 200 ok", async () => {
    const response = await createAdminApp(fakeHandlers()).request("/healthz");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok\n");
  });

  test("GET /readyz answers 200 when synced, running and the last apply succeeded", async () => {
    const response = await createAdminApp(fakeHandlers()).request("/readyz");
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ready\n");
  });

  test("GET /readyz answers 503 with every reason when not ready", async () => {
    const status = healthyStatus();
    status.etcd.synced = false;
    status.haproxy.running = false;
    status.apply.last_error = "haproxy -c failed";
    const app = createAdminApp(fakeHandlers({ status: async () => status }));
    const response = await app.request("/readyz");
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      ready: false,
      reasons: [
        "not synced with etcd yet",
        "haproxy is not running",
        "last apply failed: haproxy -c failed",
      ],
    });
  });

  test("GET /readyz names the key file, not etcd, with file discovery", async () => {
    const status = healthyStatus();
    status.etcd.synced = false;
    status.etcd.endpoint = "file:/etc/sluice/keys.yaml";
    const app = createAdminApp(fakeHandlers({ status: async () => status }));
    const response = await app.request("/readyz");
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      ready: false,
      reasons: ["not synced with the key file yet"],
    });
  });

  test("GET /readyz names only the failing condition", async () => {
    const status = healthyStatus();
    status.haproxy.running = false;
    const response = await createAdminApp(fakeHandlers({ status: async () => status })).request(
      "/readyz",
    );
    expect(response.status).toBe(503);
    expect(((await response.json()) as { reasons: string[] }).reasons).toEqual([
      "haproxy is not running",
    ]);
  });

  test("GET /readyz answers 503 while haproxy runs but its worker does not answer", async () => {
    const status = healthyStatus();
    status.haproxy.responsive = false;
    status.haproxy.problem = "haproxy is not answering on its stats socket: no answer";
    const response = await createAdminApp(fakeHandlers({ status: async () => status })).request(
      "/readyz",
    );
    expect(response.status).toBe(503);
    expect(((await response.json()) as { reasons: string[] }).reasons).toEqual([
      "haproxy is not answering on its stats socket: no answer",
    ]);
  });

  test("GET /v1/status returns the status document as JSON", async () => {
    const response = await createAdminApp(fakeHandlers()).request("/v1/status");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toEqual(healthyStatus());
  });

  test("GET /metrics serves Prometheus text built from the status", async () => {
    const status = healthyStatus();
    status.etcd.relists = 7;
    status.etcd.reconnects = 2;
    status.etcd.connected = false;
    status.etcd.endpoint = 'https://10.0.0.1:2379/"x"';
    status.apply.background_reloads = 5;
    const response = await createAdminApp(fakeHandlers({ status: async () => status })).request(
      "/metrics",
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await response.text();
    const lines = text.split("\n");
    expect(lines).toContain("sluice_etcd_connected 0");
    expect(lines).toContain("sluice_etcd_revision 42");
    expect(lines).toContain("sluice_etcd_relists_total 7");
    expect(lines).toContain("sluice_etcd_reconnects_total 2");
    expect(lines).toContain("sluice_etcd_stale 0");
    expect(lines).toContain(
      'sluice_etcd_endpoint_info{endpoint="https://10.0.0.1:2379/\\"x\\""} 1',
    );
    expect(lines).toContain("sluice_haproxy_reloads_total 3");
    expect(lines).toContain('sluice_rejected_registrations{service="web"} 1');
    expect(lines).toContain("sluice_held_removals 3");
    expect(lines).toContain("# TYPE sluice_etcd_relists_total counter");
    expect(lines).toContain("sluice_background_reloads_total 5");
    expect(lines).toContain("# TYPE sluice_background_reloads_total counter");
    // Every sample line is `name{labels} number`, and every metric has HELP and TYPE.
    for (const line of lines.filter((l) => l !== "" && !l.startsWith("#"))) {
      expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? -?[0-9.e+-]+$/);
    }
    const types = lines.filter((l) => l.startsWith("# TYPE")).length;
    expect(lines.filter((l) => l.startsWith("# HELP")).length).toBe(types);
  });

  test("GET /v1/services lists services and /v1/services/NAME returns one", async () => {
    const app = createAdminApp(fakeHandlers());
    // Without a health source every server is unchecked.
    const health = { state: "unchecked", since: null, last_error: null };
    const web = { ...WEB, servers: WEB.servers.map((server) => ({ ...server, health })) };
    const all = await app.request("/v1/services");
    expect(await all.json()).toEqual([web]);
    const one = await app.request("/v1/services/web");
    expect(one.status).toBe(200);
    expect(await one.json()).toEqual(web);
  });

  test("GET /v1/services/NAME answers 404 naming an unknown service", async () => {
    const response = await createAdminApp(fakeHandlers()).request("/v1/services/nope");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'no service named "nope"', code: "not_found" });
  });

  test("GET /v1/status includes the removals the guards hold back", async () => {
    const response = await createAdminApp(fakeHandlers()).request("/v1/status");
    const body = (await response.json()) as Status;
    expect(body.held).toEqual([
      {
        service: "api",
        held: 3,
        of: 4,
        reason: "would remove 3 of 4 servers (75 %), more than max_drop_percent = 50",
      },
    ]);
  });

  test("GET /v1/plan returns what the next apply would do, asking the handler each time", async () => {
    const handlers = fakeHandlers();
    const app = createAdminApp(handlers);
    const first = await app.request("/v1/plan");
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toContain("application/json");
    expect(await first.json()).toEqual(PLAN);
    await app.request("/v1/plan");
    expect(handlers.plans).toBe(2);
    expect(handlers.reloads).toBe(0);
  });

  test("GET /v1/plan answers 500 JSON with the message when planning fails", async () => {
    const app = createAdminApp(
      fakeHandlers({
        plan: () => {
          throw new Error("template.liquid: unknown filter getval");
        },
      }),
    );
    const response = await app.request("/v1/plan");
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: "template.liquid: unknown filter getval",
      code: "internal",
    });
  });

  test("POST /v1/plan is not an endpoint", async () => {
    const handlers = fakeHandlers();
    const response = await createAdminApp(handlers).request("/v1/plan", { method: "POST" });
    expect(response.status).toBe(404);
    expect(handlers.plans).toBe(0);
  });

  test("GET /v1/config answers 404 before anything is applied", async () => {
    const response = await createAdminApp(fakeHandlers()).request("/v1/config");
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toContain("no haproxy.cfg");
  });

  test("GET /v1/config returns the served haproxy.cfg once applied", async () => {
    const text = "global\n    maxconn 10\n";
    const response = await createAdminApp(fakeHandlers({ config: () => text })).request(
      "/v1/config",
    );
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(text);
  });

  test("an unknown endpoint answers 404 JSON naming it", async () => {
    const response = await createAdminApp(fakeHandlers()).request("/v2/nothing");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: "no such endpoint: GET /v2/nothing",
      code: "not_found",
    });
  });

  test("a failing handler answers 500 JSON with the message", async () => {
    const app = createAdminApp(
      fakeHandlers({
        status: async () => {
          throw new Error("supervisor gone");
        },
      }),
    );
    const response = await app.request("/v1/status");
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "supervisor gone", code: "internal" });
  });
});

describe("POST /v1/reload", () => {
  // Who may reload (the token, the listener, the Origin) is tested in access.test.ts.
  test("through the unix socket, reloads and returns the outcome", async () => {
    const handlers = fakeHandlers();
    const response = await createAdminApp(handlers).request("/v1/reload", { method: "POST" }, UNIX);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, outcome: "reloaded" });
    expect(handlers.reloads).toBe(1);
  });

  // A SluiceError's own status (422 for render and haproxy -c) does not apply: the forced apply
  // failed, which is a 500, as before.
  test.each([
    ["an Error", new Error("haproxy -c rejected the config")],
    ["a RenderError", new RenderError("haproxy.cfg.liquid:3: unknown tag")],
    ["a HaproxyCheckError", new HaproxyCheckError("haproxy -c: unknown keyword")],
  ])("a failed reload (%s) answers 500 with the error", async (_, error) => {
    const handlers = fakeHandlers({
      reload: async () => {
        throw error;
      },
    });
    const response = await createAdminApp(handlers).request("/v1/reload", { method: "POST" }, UNIX);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ ok: false, error: error.message, code: "apply" });
  });

  test("reads on loopback stay open when a token is set", async () => {
    const app = createAdminApp(fakeHandlers({ token: () => "s3cret" }));
    expect((await app.request("/v1/status")).status).toBe(200);
    expect((await app.request("/v1/services/web")).status).toBe(200);
  });

  test("GET is not a way to reload", async () => {
    const handlers = fakeHandlers();
    const response = await createAdminApp(handlers).request("/v1/reload");
    expect(response.status).toBe(404);
    expect(handlers.reloads).toBe(0);
  });
});

describe("GET /v1/rejected", () => {
  const many = Array.from({ length: 250 }, (_, index) => ({
    key: `/apps/junk/k${String(index).padStart(3, "0")}`,
    value: "x".repeat(10_000),
    reason: "value is longer than 4096 bytes",
  }));
  const app = createAdminApp(fakeHandlers({ rejected: () => many }));
  type Page = { total: number; offset: number; rejected: { key: string; value: string }[] };

  test("pages the full list, 100 at a time by default, values cut short", async () => {
    const first = (await (await app.request("/v1/rejected")).json()) as Page;
    expect(first.total).toBe(250);
    expect(first.rejected).toHaveLength(100);
    expect(first.rejected[0]!.value).toHaveLength(257);
    const last = (await (await app.request("/v1/rejected?offset=200&limit=500")).json()) as Page;
    expect(last).toMatchObject({ total: 250, offset: 200 });
    expect(last.rejected.map((entry) => entry.key).at(-1)).toBe("/apps/junk/k249");
    expect(last.rejected).toHaveLength(50);
  });

  test("a page parameter that is not a whole number is a 400 naming it", async () => {
    const response = await app.request("/v1/rejected?limit=-5");
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string };
    expect(body.error).toContain("limit must be a whole number");
  });

  test("metrics count every rejection, not just those status lists", async () => {
    const text = await (await app.request("/metrics")).text();
    expect(text).toContain('sluice_rejected_registrations{service="junk"} 250');
  });
});
