import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { answerError } from "../../../src/admin/error-response.ts";
import { ConfigError, RenderError, SluiceError } from "../../../src/errors.ts";

/** An app whose GET and POST /fail throw `error`, answered by the one onError. */
function failingApp(error: unknown): Hono {
  const app = new Hono();
  app.onError((thrown, context) => answerError(thrown, context));
  app.get("/fail", () => {
    throw error;
  });
  app.post("/fail", () => {
    throw error;
  });
  return app;
}

describe("answerError (the admin API's onError)", () => {
  test.each([
    ["not_found", new SluiceError("not_found", 'no service named "x"'), 404],
    ["unauthorized", new SluiceError("unauthorized", "needs a bearer token"), 401],
    ["forbidden", new SluiceError("forbidden", "wrong bearer token"), 403],
    ["forbidden_origin", new SluiceError("forbidden_origin", "another origin"), 403],
    ["no_token_configured", new SluiceError("no_token_configured", "set token_file"), 403],
    ["unsupported_media_type", new SluiceError("unsupported_media_type", "not json"), 415],
    ["too_large", new SluiceError("too_large", "too large"), 413],
    ["usage", new SluiceError("usage", "bad request"), 400],
    ["config", new ConfigError("sluice.toml:3: haproxy.bind: must be a string"), 400],
    ["render", new RenderError("template.liquid: unknown filter"), 422],
    ["apply", new SluiceError("apply", "haproxy refused the reload"), 500],
    ["discovery", new SluiceError("discovery", "etcd is unreachable"), 503],
  ] as const)(
    "a SluiceError (%s) answers its code's status with {error, code}",
    async (_, error, status) => {
      const response = await failingApp(error).request("/fail");
      expect(response.status).toBe(status);
      expect(response.headers.get("content-type")).toContain("application/json");
      expect(await response.json()).toEqual({ error: error.message, code: error.code });
    },
  );

  test("any other error answers 500 with its message", async () => {
    const response = await failingApp(new Error("supervisor gone")).request("/fail");
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: "supervisor gone", code: "internal" });
  });

  test("Hono's own HTTPException keeps its status", async () => {
    const response = await failingApp(new HTTPException(413, { message: "too large" })).request(
      "/fail",
    );
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: "too large", code: "http_413" });
  });

  test("an action (POST) answers {ok: false, error}, like its success {ok: true}", async () => {
    const response = await failingApp(new SluiceError("apply", "haproxy -c failed")).request(
      "/fail",
      { method: "POST" },
    );
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ ok: false, error: "haproxy -c failed", code: "apply" });
  });

  test("a 401 names the scheme it wants (WWW-Authenticate: Bearer), other statuses do not", async () => {
    const unauthorized = await failingApp(new SluiceError("unauthorized", "token")).request(
      "/fail",
    );
    expect(unauthorized.headers.get("www-authenticate")).toBe('Bearer realm="sluice"');
    const forbidden = await failingApp(new SluiceError("forbidden", "wrong")).request("/fail");
    expect(forbidden.headers.get("www-authenticate")).toBeNull();
  });
});
