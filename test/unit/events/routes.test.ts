// The admin API's /v1/events, the backend actions and /v1/plan?diff=1, in process.

import { describe, expect, test } from "bun:test";
import { type AdminHandlers, createAdminApp } from "../../../src/admin/app.ts";
import { SluiceError } from "../../../src/errors.ts";
import { createEventBus } from "../../../src/events/bus.ts";
import { healthyStatus } from "../admin/fixtures.ts";

function handlers(extra: Partial<AdminHandlers> = {}): AdminHandlers {
  return {
    status: async () => healthyStatus(),
    services: () => [],
    rejected: () => [],
    plan: (options) => ({ revision: 1, diffAsked: options?.diff ?? false }),
    config: () => undefined,
    reload: async () => "reloaded",
    token: () => "secret",
    ...extra,
  };
}

describe("GET /v1/events", () => {
  test("format=json answers the newest events, oldest first", async () => {
    const bus = createEventBus({ capacity: 10 });
    for (let i = 0; i < 5; i++) bus.publish("tick", { i });
    const app = createAdminApp(handlers({ events: bus }));
    const response = await app.request("/v1/events?format=json&limit=2");
    const body = (await response.json()) as { events: { id: number; data: object }[] };
    expect(body.events.map((event) => event.id)).toEqual([4, 5]);
    expect(body.events[0]!.data).toEqual({ i: 3 });
    expect((await app.request("/v1/events?format=json&limit=x")).status).toBe(400);
  });

  test("the stream replays after Last-Event-ID and ends its subscription when cancelled", async () => {
    const bus = createEventBus({ capacity: 10 });
    for (let i = 0; i < 3; i++) bus.publish("tick", { i });
    const app = createAdminApp(handlers({ events: bus }));
    const response = await app.request("/v1/events", { headers: { "last-event-id": "2" } });
    expect(response.headers.get("content-type")).toStartWith("text/event-stream");
    const reader = response.body!.getReader();
    let text = "";
    while (!text.includes("id: 3\n")) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).not.toContain("id: 2\n");
    expect(bus.subscribers()).toBe(1);
    await reader.cancel();
    expect(bus.subscribers()).toBe(0);
  });
});

describe("backend actions", () => {
  test("POST drain needs the token and answers what was done", async () => {
    const calls: string[] = [];
    const app = createAdminApp(
      handlers({
        async backendAction(service, backend, action) {
          calls.push(`${service}/${backend} ${action}`);
          return { ok: true, service, backend, action };
        },
      }),
    );
    const path = "/v1/services/web/backends/a/drain";
    expect((await app.request(path, { method: "POST" })).status).toBe(401);
    const response = await app.request(path, {
      method: "POST",
      headers: { authorization: "Bearer secret" },
    });
    expect(await response.json()).toEqual({
      ok: true,
      service: "web",
      backend: "a",
      action: "drain",
    });
    expect(calls).toEqual(["web/a drain"]);
    const unknown = await app.request("/v1/services/web/backends/a/explode", {
      method: "POST",
      headers: { authorization: "Bearer secret" },
    });
    expect(unknown.status).toBe(404);
  });

  test("an unknown backend is a 404 with JSON", async () => {
    const app = createAdminApp(
      handlers({
        token: () => undefined,
        backendAction: async () => {
          throw new SluiceError("not_found", 'no backend "zz" in service "web"');
        },
      }),
    );
    const response = await app.request("/v1/services/web/backends/zz/maint", { method: "POST" });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'no backend "zz" in service "web"' });
  });
});

describe("GET /v1/plan", () => {
  test("diff=1 asks the plan for the diff; without it, not", async () => {
    const app = createAdminApp(handlers());
    expect(await (await app.request("/v1/plan?diff=1")).json()).toEqual({
      revision: 1,
      diffAsked: true,
    });
    expect(await (await app.request("/v1/plan")).json()).toEqual({ revision: 1, diffAsked: false });
  });
});
