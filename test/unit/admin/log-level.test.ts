// GET/PUT /v1/log-level in process: reads the level, changes it, refuses bad bodies and no token.

import { describe, expect, test } from "bun:test";
import { Hono } from "hono";
import { type AdminEnv, accessControl } from "../../../src/admin/access.ts";
import { answerError } from "../../../src/admin/error-response.ts";
import { addLogLevelRoutes } from "../../../src/admin/log-level.ts";
import { createLogger } from "../../../src/log.ts";

function appWith(token?: string) {
  const lines: string[] = [];
  const log = createLogger((line) => lines.push(line));
  const app = new Hono<AdminEnv>();
  app.onError((error, context) => answerError(error, context));
  app.use(accessControl(() => token));
  addLogLevelRoutes(app, log);
  return { app, log, lines };
}

/** Through the unix socket, where no token is needed. */
const UNIX = { transport: "unix", loopback: true } as const;

const put = (body: string, headers: Record<string, string> = {}) => ({
  method: "PUT",
  body,
  headers: { "content-type": "application/json", ...headers },
});

describe("/v1/log-level", () => {
  test("GET tells the level; PUT changes it, and debug lines follow at once", async () => {
    const { app, log, lines } = appWith();
    expect(await (await app.request("/v1/log-level")).json()).toEqual({ level: "info" });
    const response = await app.request("/v1/log-level", put('{"level":"debug"}'), UNIX);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, level: "debug", previous: "info" });
    log.debug("etcd event", { key: "/apps/web/a" });
    expect(lines).toHaveLength(1);
    expect(await (await app.request("/v1/log-level")).json()).toEqual({ level: "debug" });
  });

  test.each([['{"level":"trace"}'], ["{}"], ["not json"], ["null"]])(
    "PUT %p is a 400 naming the levels, and the level stays",
    async (body) => {
      const { app, log } = appWith();
      const response = await app.request("/v1/log-level", put(body), UNIX);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toContain("level");
      expect(log.level()).toBe("info");
    },
  );

  test("PUT needs the token when one is configured", async () => {
    const { app, log } = appWith("s3cret");
    expect((await app.request("/v1/log-level", put('{"level":"debug"}'))).status).toBe(401);
    expect(log.level()).toBe("info");
    const authorized = put('{"level":"error"}', { authorization: "Bearer s3cret" });
    expect((await app.request("/v1/log-level", authorized)).status).toBe(200);
    expect(log.level()).toBe("error");
  });
});
