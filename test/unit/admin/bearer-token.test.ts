import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { requireBearerToken } from "../../../src/admin/bearer-token.ts";
import { answerError } from "../../../src/admin/error-response.ts";

/** A one-route app behind the middleware; `reached` counts requests that got through. */
function guardedApp(token: () => string | undefined) {
  const app = new Hono();
  const counter = { reached: 0 };
  app.onError((error, context) => answerError(error, context));
  app.post("/action", requireBearerToken(token), (context) => {
    counter.reached++;
    return context.json({ ok: true });
  });
  app.get("/read", (context) => context.json({ read: true }));
  return { app, counter };
}

describe("requireBearerToken", () => {
  test("lets every request through when no token is configured", async () => {
    const { app, counter } = guardedApp(() => undefined);
    const response = await app.request("/action", { method: "POST" });
    expect(response.status).toBe(200);
    expect(counter.reached).toBe(1);
  });

  test("lets a request with the right bearer token through", async () => {
    const { app, counter } = guardedApp(() => "s3cret");
    const response = await app.request("/action", {
      method: "POST",
      headers: { authorization: "Bearer s3cret" },
    });
    expect(response.status).toBe(200);
    expect(counter.reached).toBe(1);
  });

  test("answers 401 {ok: false, error} without reaching the handler for a missing or wrong token", async () => {
    const { app, counter } = guardedApp(() => "s3cret");
    for (const headers of [
      {},
      { authorization: "Bearer wrong" },
      { authorization: "Bearer s3cret2" },
      { authorization: "bearer s3cret" },
      { authorization: "s3cret" },
      { authorization: "Bearer " },
    ] as Record<string, string>[]) {
      const response = await app.request("/action", { method: "POST", headers });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ ok: false, error: "missing or wrong bearer token" });
    }
    expect(counter.reached).toBe(0);
  });

  test("asks for the token at every request", async () => {
    let token: string | undefined;
    const { app } = guardedApp(() => token);
    expect((await app.request("/action", { method: "POST" })).status).toBe(200);
    token = "now-set";
    expect((await app.request("/action", { method: "POST" })).status).toBe(401);
  });

  test("guards only the routes it is applied to", async () => {
    const { app } = guardedApp(() => "s3cret");
    const response = await app.request("/read");
    expect(response.status).toBe(200);
  });
});
