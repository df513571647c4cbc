// The admin HTTP API (Hono): health, readiness, status, metrics, served config and forced reload.

import { Hono } from "hono";
import { describeError, SluiceError } from "../errors.ts";
import type { EventBus } from "../events/bus.ts";
import { addEventRoutes } from "../events/routes.ts";
import { type ServerHealthView, serverHealthView, servicesWithHealth } from "../health/views.ts";
import { REJECTED_LISTED, rejectedPage } from "../model/rejected.ts";
import type { Rejected, Service } from "../model/types.ts";
import { addBackendActionRoutes, type BackendActionHandler } from "../overrides/routes.ts";
import type { Status } from "../status.ts";
import { requireBearerToken } from "./bearer-token.ts";
import { answerError } from "./error-response.ts";
import { renderMetrics } from "./metrics.ts";

/** What the admin API asks the daemon; the daemon implements it, tests fake it. */
export type AdminHandlers = {
  status(): Promise<Status>;
  services(): Service[];
  /** The health of the server registered at `key`; unchecked when omitted. */
  serverHealth?(key: string): ServerHealthView;
  /** Every rejected registration (status lists the first 100). */
  rejected(): readonly Rejected[];
  /** What the next apply would do; with `diff`, also the unified diff of haproxy.cfg. */
  plan(options?: { diff: boolean }): unknown;
  /** The haproxy.cfg being served, if any. */
  config(): string | undefined;
  /** Renders and applies now; resolves with the outcome or throws. */
  reload(): Promise<string>;
  /** Bearer token for mutating calls; undefined means none is required. */
  token(): string | undefined;
  /** The event bus behind `GET /v1/events`; without one there is no such endpoint. */
  events?: EventBus;
  /** drain / ready / maint of a backend server; without one there are no such endpoints. */
  backendAction?: BackendActionHandler;
};

function readinessProblems(status: Status): string[] {
  const problems: string[] = [];
  if (!status.etcd.synced) problems.push("not synced with etcd yet");
  if (!status.haproxy.running) problems.push("haproxy is not running");
  else if (!status.haproxy.responsive) {
    problems.push(status.haproxy.problem ?? "haproxy is not answering on its stats socket");
  }
  if (status.apply.last_error) problems.push(`last apply failed: ${status.apply.last_error}`);
  return problems;
}

/**
 * The admin API over `handlers`. Errors thrown anywhere end in one `onError`: a SluiceError
 * answers with its code's HTTP status, anything else with 500. POST endpoints need the bearer
 * token when one is configured.
 */
export function createAdminApp(handlers: AdminHandlers): Hono {
  const app = new Hono();
  const mutating = requireBearerToken(() => handlers.token());

  app.onError((error, context) => answerError(error, context));
  app.notFound((context) =>
    answerError(
      new SluiceError("not_found", `no such endpoint: ${context.req.method} ${context.req.path}`),
      context,
    ),
  );

  app.get("/healthz", (context) => context.text("ok\n"));

  app.get("/readyz", async (context) => {
    const problems = readinessProblems(await handlers.status());
    if (problems.length === 0) return context.text("ready\n");
    return context.json({ ready: false, reasons: problems }, 503);
  });

  app.get("/v1/status", async (context) => context.json(await handlers.status()));

  app.get("/metrics", async (context) =>
    context.text(renderMetrics(await handlers.status(), handlers.rejected()), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    }),
  );

  const health = (key: string) => handlers.serverHealth?.(key) ?? serverHealthView(undefined, key);
  app.get("/v1/services", (context) =>
    context.json(servicesWithHealth(handlers.services(), health)),
  );
  app.get("/v1/services/:name", (context) => {
    const name = context.req.param("name");
    const service = handlers.services().find((candidate) => candidate.name === name);
    if (!service) throw new SluiceError("not_found", `no service named "${name}"`);
    return context.json(servicesWithHealth([service], health)[0]);
  });

  app.get("/v1/rejected", (context) => {
    const offset = pageParameter(context.req.query("offset"), "offset", 0);
    const limit = Math.min(
      pageParameter(context.req.query("limit"), "limit", REJECTED_LISTED),
      1000,
    );
    return context.json(rejectedPage(handlers.rejected(), offset, limit));
  });

  app.get("/v1/plan", (context) => {
    const diff = ["1", "true"].includes(context.req.query("diff") ?? "");
    return context.json(handlers.plan({ diff }) as object);
  });

  if (handlers.events) addEventRoutes(app, handlers.events);
  if (handlers.backendAction) addBackendActionRoutes(app, mutating, handlers.backendAction);

  app.get("/v1/config", (context) => {
    const text = handlers.config();
    if (text === undefined) {
      throw new SluiceError("not_found", "no haproxy.cfg has been applied yet");
    }
    return context.text(text);
  });

  app.post("/v1/reload", mutating, async (context) => {
    let outcome: string;
    try {
      outcome = await handlers.reload();
    } catch (error) {
      // Whatever stopped it (template, haproxy -c, reload), the forced apply failed: 500.
      throw new SluiceError("apply", describeError(error), { cause: error });
    }
    return context.json({ ok: true, outcome });
  });

  return app;
}

/** A paging query parameter: a whole number, 0 or more. */
function pageParameter(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,9}$/.test(text)) {
    throw new SluiceError("usage", `${name} must be a whole number, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}
