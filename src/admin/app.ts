// The admin HTTP API (Hono): health, readiness, status, metrics, served config and forced reload.

import type { Hono } from "hono";
import { describeError, SluiceError } from "../errors.ts";
import type { EventBus } from "../events/bus.ts";
import { addEventRoutes } from "../events/routes.ts";
import { type ServerHealthView, serverHealthView, servicesWithHealth } from "../health/views.ts";
import { REJECTED_LISTED, rejectedPage } from "../model/rejected.ts";
import type { Rejected, Service } from "../model/types.ts";
import { addBackendActionRoutes, type BackendActionHandler } from "../overrides/routes.ts";
import { discoverySource, type Status } from "../status.ts";
import { type AdminEnv, mutating, readAccess } from "./access.ts";
import { createBaseAdminApp } from "./base-app.ts";
import { addLogLevelRoutes, type LogLevelControl } from "./log-level.ts";
import { renderMetrics } from "./metrics.ts";
import type { ObservationsView } from "./metrics-observations.ts";
import { addStatusPage } from "./status-page.ts";

/** What the admin API asks the daemon; the daemon implements it, tests fake it. */
export type AdminHandlers = {
  status(): Promise<Status>;
  services(): Service[];
  /** The health of the server registered at `key`; unchecked when omitted. */
  serverHealth?(key: string): ServerHealthView;
  /** Every rejected registration (status lists the first 100). */
  rejected(): readonly Rejected[];
  /** What the next apply would do; with `diff`, also the unified diff of haproxy.cfg and of every
   * `[[template]]` file. */
  plan(options?: { diff: boolean }): unknown;
  /** The haproxy.cfg being served, if any. */
  config(): string | undefined;
  /** Renders and applies now; resolves with the outcome or throws. */
  reload(): Promise<string>;
  /** The bearer token of `[admin] token_file`; undefined when none is configured (then mutations
   * over TCP are refused, and the unix socket alone can make them). */
  token(): string | undefined;
  /** The daemon's log level (`/v1/log-level`); without it the endpoints are absent. */
  logLevel?: LogLevelControl;
  /** What /metrics counted as it happened (histograms, failures, rollbacks); none when omitted. */
  observed?(): ObservationsView;
  /** The event bus behind `GET /v1/events`; without one there is no such endpoint. */
  events?: EventBus;
  /** drain / ready / maint of a backend server; without one there are no such endpoints. */
  backendAction?: BackendActionHandler;
};

function readinessProblems(status: Status): string[] {
  const problems: string[] = [];
  if (!status.etcd.synced) {
    problems.push(`not synced with ${discoverySource(status.etcd.endpoint)} yet`);
  }
  if (!status.haproxy.running) problems.push("haproxy is not running");
  else if (!status.haproxy.responsive) {
    problems.push(status.haproxy.problem ?? "haproxy is not answering on its stats socket");
  }
  if (status.apply.last_error) problems.push(`last apply failed: ${status.apply.last_error}`);
  return problems;
}

/**
 * The admin API over `handlers`. Errors thrown anywhere end in one `onError`: a SluiceError
 * answers with its code's HTTP status, anything else with 500. Every route but the health probes
 * is guarded (access.ts): `mutating` on POST/PUT/DELETE, `readAccess` on GETs.
 */
export function createAdminApp(handlers: AdminHandlers): Hono<AdminEnv> {
  const app = createBaseAdminApp(() => handlers.token());
  addStatusPage(app);

  app.get("/readyz", async (context) => {
    const problems = readinessProblems(await handlers.status());
    if (problems.length === 0) return context.text("ready\n");
    return context.json({ ready: false, reasons: problems }, 503);
  });

  app.get("/v1/status", readAccess, async (context) => context.json(await handlers.status()));

  app.get("/metrics", readAccess, async (context) => {
    const text = renderMetrics(await handlers.status(), handlers.rejected(), handlers.observed?.());
    return context.text(text, 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });

  const health = (key: string) => handlers.serverHealth?.(key) ?? serverHealthView(undefined, key);
  app.get("/v1/services", readAccess, (context) =>
    context.json(servicesWithHealth(handlers.services(), health)),
  );
  app.get("/v1/services/:name", readAccess, (context) => {
    const name = context.req.param("name");
    const service = handlers.services().find((candidate) => candidate.name === name);
    if (!service) throw new SluiceError("not_found", `no service named "${name}"`);
    return context.json(servicesWithHealth([service], health)[0]);
  });

  addRejectedRoute(app, handlers);
  app.get("/v1/plan", readAccess, async (context) => {
    const diff = ["1", "true"].includes(context.req.query("diff") ?? "");
    return context.json((await handlers.plan({ diff })) as object);
  });

  if (handlers.events) addEventRoutes(app, handlers.events);
  if (handlers.backendAction) addBackendActionRoutes(app, handlers.backendAction);

  app.get("/v1/config", readAccess, (context) => {
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

  if (handlers.logLevel) addLogLevelRoutes(app, handlers.logLevel);

  return app;
}

/** `GET /v1/rejected?offset=&limit=`: every rejected registration, a page at a time. */
function addRejectedRoute(app: Hono<AdminEnv>, handlers: AdminHandlers): void {
  app.get("/v1/rejected", readAccess, (context) => {
    const offset = pageParameter(context.req.query("offset"), "offset", 0);
    const limit = Math.min(
      pageParameter(context.req.query("limit"), "limit", REJECTED_LISTED),
      1000,
    );
    return context.json(rejectedPage(handlers.rejected(), offset, limit));
  });
}

/** A paging query parameter: a whole number, 0 or more. */
function pageParameter(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,9}$/.test(text)) {
    throw new SluiceError("usage", `${name} must be a whole number, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}
