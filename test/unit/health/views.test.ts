import { describe, expect, test } from "bun:test";
import { createAdminApp } from "../../../src/admin/app.ts";
import { renderMetrics } from "../../../src/admin/metrics.ts";
import { formatStatus } from "../../../src/cli/format.ts";
import type { BackendHealth } from "../../../src/health/types.ts";
import { type HealthReader, healthStatus, serverHealthView } from "../../../src/health/views.ts";
import type { Service } from "../../../src/model/types.ts";
import { healthyStatus } from "../admin/fixtures.ts";
import { API_1, WEB_1, WEB_2 } from "./fixtures.ts";

const SERVICES: Service[] = [
  { name: "api", balance: "leastconn", hostnames: [], servers: [API_1] },
  { name: "web", balance: "leastconn", hostnames: [], servers: [WEB_1, WEB_2] },
];

const DOWN: BackendHealth = {
  service: "web",
  name: "web-1",
  key: WEB_1.key,
  address: WEB_1.address,
  state: "down",
  since: "2026-12-01T10:00:02.000Z",
  downSinceMs: 1,
  downSinceRevision: 9,
  lastError: "L4CON Connection refused",
};

const UP: BackendHealth = {
  ...DOWN,
  key: API_1.key,
  state: "up",
  since: "2026-12-01T09:00:00.000Z",
  lastError: null,
};

function reader(entries: BackendHealth[], stale = false): HealthReader {
  const byKey = new Map(entries.map((health) => [health.key, health]));
  return { enabled: true, get: (key) => byKey.get(key), stale: () => stale };
}

describe("health in status", () => {
  test("counts served servers by state; servers not seen yet are unchecked", () => {
    expect(healthStatus(SERVICES, reader([DOWN, UP]))).toEqual({
      enabled: true,
      up: 1,
      down: 1,
      maint: 0,
      unchecked: 1,
      stale: false,
      panic: false,
      leader: null,
      is_leader: false,
      removals: 0,
      removal_held: [],
    });
  });

  test("the remover's panic, leader and removals are shown as it reports them", () => {
    const remover = () => ({
      ...{ panic: true, leader: "lb-2:4242", isLeader: false, removals: 3 },
      held: ["not the removal leader"],
    });
    expect(healthStatus(SERVICES, reader([DOWN], true), remover)).toMatchObject({
      stale: true,
      panic: true,
      leader: "lb-2:4242",
      is_leader: false,
      removals: 3,
      removal_held: ["not the removal leader"],
    });
  });

  test("with checks off every server is unchecked", () => {
    const off: HealthReader = { ...reader([DOWN, UP]), enabled: false };
    expect(healthStatus(SERVICES, off)).toMatchObject({
      enabled: false,
      up: 0,
      down: 0,
      unchecked: 3,
    });
    expect(serverHealthView(off, WEB_1.key)).toEqual({
      state: "unchecked",
      since: null,
      last_error: null,
    });
  });

  test("/metrics has sluice_backends by state, the removals counter and the panic gauge", () => {
    const status = healthyStatus();
    status.health = {
      ...healthStatus(SERVICES, reader([DOWN, UP])),
      ...{ panic: true, removals: 2, is_leader: true },
    };
    const lines = renderMetrics(status).split("\n");
    expect(lines).toContain('sluice_backends{state="up"} 1');
    expect(lines).toContain('sluice_backends{state="down"} 1');
    expect(lines).toContain('sluice_backends{state="maint"} 0');
    expect(lines).toContain('sluice_backends{state="unchecked"} 1');
    expect(lines).toContain("# TYPE sluice_health_removals_total counter");
    expect(lines).toContain("sluice_health_removals_total 2");
    expect(lines).toContain("# TYPE sluice_health_panic gauge");
    expect(lines).toContain("sluice_health_panic 1");
    expect(lines).toContain("sluice_health_leader 1");
    // Still valid exposition text: one TYPE per name, each sample `name{labels} value`.
    const types = lines
      .filter((line) => line.startsWith("# TYPE "))
      .map((line) => line.split(" ")[2]);
    expect(new Set(types).size).toBe(types.length);
    for (const line of lines.filter((l) => l !== "" && !l.startsWith("#"))) {
      expect(line).toMatch(/^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? -?[0-9.e+-]+$/);
    }
  });

  test("lbctl status prints the counts, and panic and staleness loudly", () => {
    const status = healthyStatus();
    status.health = {
      ...healthStatus(SERVICES, reader([DOWN, UP], true)),
      panic: true,
      leader: "lb-1:10",
    };
    expect(formatStatus(status)).toContain(
      "health:   1 up, 1 down, 0 maint, 1 unchecked, STALE, PANIC: removals frozen, leader lb-1:10, removals 0\n",
    );
    status.health.is_leader = true;
    expect(formatStatus(status)).toContain(", leader lb-1:10 (this instance), removals 0\n");
    status.health.enabled = false;
    expect(formatStatus(status)).toContain("health:   checks off\n");
  });
});

describe("health in /v1/services", () => {
  const app = createAdminApp({
    status: async () => healthyStatus(),
    services: () => SERVICES,
    serverHealth: (key) => serverHealthView(reader([DOWN, UP]), key),
    rejected: () => [],
    plan: () => ({}),
    config: () => undefined,
    reload: async () => "reloaded",
    token: () => undefined,
  });

  test("each server has health: state, since and last_error", async () => {
    const body = (await (await app.request("/v1/services")).json()) as Service[];
    const health = body.flatMap((service) =>
      service.servers.map((server) => [
        server.name,
        (server as unknown as { health: unknown }).health,
      ]),
    );
    expect(health).toEqual([
      ["api-1", { state: "up", since: "2026-12-01T09:00:00.000Z", last_error: null }],
      [
        "web-1",
        {
          state: "down",
          since: "2026-12-01T10:00:02.000Z",
          last_error: "L4CON Connection refused",
        },
      ],
      ["web-2", { state: "unchecked", since: null, last_error: null }],
    ]);
  });

  test("/v1/services/NAME too", async () => {
    const web = (await (await app.request("/v1/services/web")).json()) as {
      servers: { health: { state: string } }[];
    };
    expect(web.servers.map((server) => server.health.state)).toEqual(["down", "unchecked"]);
  });
});
