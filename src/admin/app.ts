// The admin HTTP API (Hono): health, readiness, status, metrics, served config and forced reload.

import { Hono } from "hono";
import type { Service } from "../model/types.ts";
import type { Status } from "../status.ts";
import { renderMetrics } from "./metrics.ts";

export type AdminHandlers = {
  status(): Promise<Status>;
  services(): Service[];
  /** What the next apply would do. */
  plan(): unknown;
  /** The haproxy.cfg being served, if any. */
  config(): string | undefined;
  /** Renders and applies now; resolves with the outcome or throws. */
  reload(): Promise<string>;
  /** Bearer token for mutating calls; undefined means none is required. */
  token(): string | undefined;
};

function readinessProblems(status: Status): string[] {
  const problems: string[] = [];
  if (!status.etcd.synced) problems.push("not synced with etcd yet");
  if (!status.haproxy.running) problems.push("haproxy is not running");
  if (status.apply.last_error) problems.push(`last apply failed: ${status.apply.last_error}`);
  return problems;
}

export function createAdminApp(handlers: AdminHandlers): Hono {
  const app = new Hono();

  app.onError((error, c) => c.json({ error: error.message }, 500));
  app.notFound((c) => c.json({ error: `no such endpoint: ${c.req.method} ${c.req.path}` }, 404));

  app.get("/healthz", (c) => c.text("ok\n"));

  app.get("/readyz", async (c) => {
    const problems = readinessProblems(await handlers.status());
    if (problems.length === 0) return c.text("ready\n");
    return c.json({ ready: false, reasons: problems }, 503);
  });

  app.get("/v1/status", async (c) => c.json(await handlers.status()));

  app.get("/metrics", async (c) =>
    c.text(renderMetrics(await handlers.status()), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    }),
  );

  app.get("/v1/services", (c) => c.json(handlers.services()));
  app.get("/v1/services/:name", (c) => {
    const service = handlers.services().find((s) => s.name === c.req.param("name"));
    if (!service) return c.json({ error: `no service named "${c.req.param("name")}"` }, 404);
    return c.json(service);
  });

  app.get("/v1/plan", (c) => c.json(handlers.plan() as object));

  app.get("/v1/config", (c) => {
    const text = handlers.config();
    if (text === undefined) return c.json({ error: "no haproxy.cfg has been applied yet" }, 404);
    return c.text(text);
  });

  app.post("/v1/reload", async (c) => {
    const token = handlers.token();
    if (token !== undefined && c.req.header("authorization") !== `Bearer ${token}`) {
      return c.json({ error: "missing or wrong bearer token" }, 401);
    }
    try {
      return c.json({ ok: true, outcome: await handlers.reload() });
    } catch (error) {
      return c.json({ ok: false, error: (error as Error).message }, 500);
    }
  });

  return app;
}
