// The admin API's access control, in process: every listener, token and browser case.

import { describe, expect, test } from "bun:test";
import {
  type AdminBindings,
  MAX_BODY_BYTES,
  mutating,
  readAccess,
} from "../../../src/admin/access.ts";
import { type AdminHandlers, createAdminApp } from "../../../src/admin/app.ts";
import { healthyStatus } from "./fixtures.ts";

const UNIX: AdminBindings = { transport: "unix", loopback: true };
const LOOPBACK: AdminBindings = { transport: "tcp", loopback: true };
const EXPOSED: AdminBindings = { transport: "tcp", loopback: false };
const TOKEN = "0123456789abcdef-the-right-token";

/** The app over fake handlers; `reloads` counts the reloads that got through. */
function adminApp(token: string | undefined) {
  const counter = { reloads: 0 };
  const handlers: AdminHandlers = {
    status: async () => healthyStatus(),
    services: () => [],
    rejected: () => [],
    plan: () => ({ plan: { kind: "none" } }),
    config: () => "global\n    # dynamic-cookie-key k3y\n",
    reload: async () => {
      counter.reloads++;
      return "reloaded";
    },
    token: () => token,
  };
  return { app: createAdminApp(handlers), counter };
}

type Call = { method?: string; headers?: Record<string, string>; body?: string };

async function call(
  token: string | undefined,
  path: string,
  env: AdminBindings,
  init: Call = {},
): Promise<{ status: number; body: { code?: string; error?: string }; reloads: number }> {
  const { app, counter } = adminApp(token);
  const url = `http://${env.loopback ? "127.0.0.1:9600" : "lb.example:9600"}${path}`;
  const response = await app.request(url, init, env);
  const text = await response.text();
  const body = text.startsWith("{") ? JSON.parse(text) : {};
  return { status: response.status, body, reloads: counter.reloads };
}

const reload = (headers: Record<string, string> = {}, extra: Call = {}): Call => ({
  method: "POST",
  headers,
  ...extra,
});
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("mutations (POST /v1/reload)", () => {
  test("over TCP without a configured token: refused 403, saying how to set token_file", async () => {
    const answer = await call(undefined, "/v1/reload", LOOPBACK, reload());
    expect(answer).toMatchObject({ status: 403, reloads: 0 });
    expect(answer.body.code).toBe("no_token_configured");
    expect(answer.body.error).toContain('token_file = "/etc/sluice/admin.token"');
    expect(answer.body.error).toContain("0640");
    expect(answer.body.error).toContain("openssl rand");
  });

  test("over TCP with a token configured: none 401, a wrong one 403, the right one 200", async () => {
    const none = await call(TOKEN, "/v1/reload", LOOPBACK, reload());
    expect(none).toMatchObject({ status: 401, reloads: 0, body: { code: "unauthorized" } });
    for (const wrong of [`${TOKEN}x`, TOKEN.slice(1), "x", TOKEN.toUpperCase()]) {
      const answer = await call(TOKEN, "/v1/reload", LOOPBACK, reload(bearer(wrong)));
      expect(answer).toMatchObject({ status: 403, reloads: 0, body: { code: "forbidden" } });
    }
    const right = await call(TOKEN, "/v1/reload", LOOPBACK, reload(bearer(TOKEN)));
    expect(right).toMatchObject({ status: 200, reloads: 1, body: { outcome: "reloaded" } });
    const exposed = await call(TOKEN, "/v1/reload", EXPOSED, reload(bearer(TOKEN)));
    expect(exposed).toMatchObject({ status: 200, reloads: 1 });
  });

  test("a 401 or 403 never repeats the token sent, nor the configured one", async () => {
    const guess = "guess-Zq81-that-must-not-be-echoed";
    for (const headers of [bearer(guess), { authorization: guess }]) {
      const { app } = adminApp(TOKEN);
      const response = await app.request("/v1/reload", reload(headers), LOOPBACK);
      const text = `${[...response.headers].join("\n")}\n${await response.text()}`;
      expect(response.status).toBeGreaterThanOrEqual(401);
      expect(text).not.toContain(guess);
      expect(text).not.toContain(TOKEN);
    }
  });

  test("through the unix socket: no token needed, configured or not; a sent one is ignored", async () => {
    for (const token of [undefined, TOKEN]) {
      for (const headers of [{}, bearer(TOKEN), bearer("wrong")]) {
        expect(await call(token, "/v1/reload", UNIX, reload(headers))).toMatchObject({
          status: 200,
          reloads: 1,
        });
      }
    }
  });

  test("a foreign Origin is refused 403 forbidden_origin, even with the right token", async () => {
    for (const env of [LOOPBACK, UNIX]) {
      for (const origin of ["https://evil.example", "null", "http://127.0.0.1:9601"]) {
        const answer = await call(TOKEN, "/v1/reload", env, reload({ ...bearer(TOKEN), origin }));
        expect(answer).toMatchObject({
          status: 403,
          reloads: 0,
          body: { code: "forbidden_origin" },
        });
      }
    }
  });

  test("the cross-origin 'simple' POST a web page can send is refused even with the token", async () => {
    const headers = {
      ...bearer(TOKEN),
      origin: "https://evil.example",
      "content-type": "text/plain",
    };
    const answer = await call(TOKEN, "/v1/reload", LOOPBACK, reload(headers, { body: "x" }));
    expect(answer).toMatchObject({ status: 403, reloads: 0 });
  });

  test("the listener's own origin (the status page at /) passes", async () => {
    const headers = { ...bearer(TOKEN), origin: "http://127.0.0.1:9600" };
    expect(await call(TOKEN, "/v1/reload", LOOPBACK, reload(headers))).toMatchObject({
      status: 200,
      reloads: 1,
    });
    const json = { ...headers, "content-type": "application/json" };
    expect(await call(TOKEN, "/v1/reload", LOOPBACK, reload(json, { body: "{}" }))).toMatchObject({
      status: 200,
      reloads: 1,
    });
  });

  test.each([
    ["text/plain", "x"],
    ["text/plain;charset=UTF-8", "{}"],
    ["application/x-www-form-urlencoded", "a=1"],
    ["multipart/form-data; boundary=x", "--x--"],
    ["application/xml", "<a/>"],
  ])("a %s body is refused 415, even with the right token", async (type, body) => {
    const headers = { ...bearer(TOKEN), "content-type": type };
    for (const env of [LOOPBACK, UNIX]) {
      const answer = await call(TOKEN, "/v1/reload", env, reload(headers, { body }));
      expect(answer).toMatchObject({
        status: 415,
        reloads: 0,
        body: { code: "unsupported_media_type" },
      });
    }
  });

  test("a body with no content type is refused 415; no body and no content type passes", async () => {
    const withBody = await call(TOKEN, "/v1/reload", UNIX, reload({}, { body: "x" }));
    expect(withBody).toMatchObject({ status: 415, reloads: 0 });
    const json = { "content-type": "application/json; charset=utf-8" };
    expect(await call(TOKEN, "/v1/reload", UNIX, reload(json, { body: "{}" }))).toMatchObject({
      status: 200,
    });
  });

  test(`a body over ${MAX_BODY_BYTES} bytes is refused 413 with JSON; one at the limit passes`, async () => {
    const json = { ...bearer(TOKEN), "content-type": "application/json" };
    const big = `"${"x".repeat(MAX_BODY_BYTES)}"`;
    const answer = await call(TOKEN, "/v1/reload", LOOPBACK, reload(json, { body: big }));
    expect(answer).toMatchObject({ status: 413, reloads: 0, body: { code: "too_large" } });
    const declared = { ...json, "content-length": String(MAX_BODY_BYTES + 1) };
    const byLength = await call(TOKEN, "/v1/reload", UNIX, reload(declared, { body: big }));
    expect(byLength).toMatchObject({ status: 413, reloads: 0 });
    const fits = `"${"x".repeat(MAX_BODY_BYTES - 2)}"`;
    const ok = await call(TOKEN, "/v1/reload", LOOPBACK, reload(json, { body: fits }));
    expect(ok).toMatchObject({ status: 200, reloads: 1 });
  });

  test("a request with no bindings (app.request alone) counts as TCP loopback", async () => {
    const { app, counter } = adminApp(undefined);
    expect((await app.request("/v1/reload", { method: "POST" })).status).toBe(403);
    expect((await app.request("/v1/status")).status).toBe(200);
    expect(counter.reloads).toBe(0);
  });
});

describe("reads", () => {
  const READS = [
    "/v1/status",
    "/v1/services",
    "/v1/config",
    "/v1/plan",
    "/v1/rejected",
    "/metrics",
  ];

  test.each(READS)("GET %s is open on loopback and the socket, token or not", async (path) => {
    for (const env of [LOOPBACK, UNIX]) {
      for (const token of [undefined, TOKEN]) {
        expect((await call(token, path, env)).status).toBe(200);
      }
    }
  });

  test.each(READS)("GET %s on a non-loopback listener needs the token", async (path) => {
    expect(await call(TOKEN, path, EXPOSED)).toMatchObject({
      status: 401,
      body: { code: "unauthorized" },
    });
    const wrong = await call(TOKEN, path, EXPOSED, { headers: bearer("wrong") });
    expect(wrong).toMatchObject({ status: 403, body: { code: "forbidden" } });
    expect((await call(TOKEN, path, EXPOSED, { headers: bearer(TOKEN) })).status).toBe(200);
    // Never without a token at all (config refuses to start so; the guard refuses anyway).
    expect((await call(undefined, path, EXPOSED, { headers: bearer(TOKEN) })).status).toBe(403);
  });

  test("/healthz and /readyz stay open on a non-loopback listener (load balancer probes)", async () => {
    for (const path of ["/healthz", "/readyz"]) {
      expect((await call(TOKEN, path, EXPOSED)).status).toBe(200);
    }
  });

  test("a loopback listener refuses a Host that is not a loopback name (DNS rebinding)", async () => {
    const { app } = adminApp(TOKEN);
    for (const host of ["evil.example:9600", "10.0.0.1:9600"]) {
      const read = await app.request(`http://${host}/v1/config`, {}, LOOPBACK);
      expect(read.status).toBe(403);
      expect(((await read.json()) as { code: string }).code).toBe("forbidden_host");
      const origin = `http://${host}`;
      const write = await app.request(
        `http://${host}/v1/reload`,
        reload({ ...bearer(TOKEN), origin }),
        LOOPBACK,
      );
      expect(write.status).toBe(403);
    }
    for (const host of ["localhost:9600", "127.0.0.1:9600", "[::1]:9600", "127.0.0.2"]) {
      expect((await app.request(`http://${host}/v1/config`, {}, LOOPBACK)).status).toBe(200);
    }
  });
});

describe("every route is guarded", () => {
  /** The routes that need no guard: the probes a load balancer polls, and the status page's
   * HTML, which holds no data (its calls to the API are guarded). */
  const OPEN = new Set(["GET /healthz", "GET /readyz", "GET /"]);

  test("each POST/PUT/PATCH/DELETE route has `mutating`, each GET route `readAccess`", () => {
    const { app } = adminApp(TOKEN);
    const guards = new Map<string, Set<unknown>>();
    for (const route of app.routes) {
      if (route.method === "ALL") continue;
      const key = `${route.method} ${route.path}`;
      guards.set(key, (guards.get(key) ?? new Set()).add(route.handler));
    }
    expect(guards.size).toBeGreaterThan(5);
    const unguarded = [...guards].filter(([key, handlers]) => {
      if (OPEN.has(key)) return false;
      const guard = key.startsWith("GET ") ? readAccess : mutating;
      return !handlers.has(guard);
    });
    expect(unguarded.map(([key]) => key)).toEqual([]);
  });
});
