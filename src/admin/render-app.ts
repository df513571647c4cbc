// The admin API of the plain renderer (no `[haproxy]`): health, readiness, status, metrics, the
// plan of the `[[template]]` files and a forced apply, guarded like the daemon's (access.ts).

import type { Hono } from "hono";
import { describeError, SluiceError } from "../errors.ts";
import type { TemplateStatus } from "../resources/record.ts";
import { discoverySource } from "../status.ts";
import { type AdminEnv, mutating, readAccess } from "./access.ts";
import { createBaseAdminApp } from "./base-app.ts";
import { formatMetrics } from "./metrics-format.ts";
import { templateMetrics } from "./metrics-templates.ts";

/** `/v1/status` of the plain renderer. */
export type RendererStatus = {
  version: string;
  /** Always "renderer": no HAProxy is run. */
  mode: "renderer";
  etcd: {
    state: string;
    connected: boolean;
    revision: number;
    endpoint: string | null;
    synced: boolean;
    relists: number;
    reconnects: number;
    last_error: string | null;
  };
  templates: TemplateStatus[];
};

export type RendererHandlers = {
  status(): RendererStatus;
  /** What the next apply would change in every file, with diffs. */
  plan(): Promise<unknown>;
  /** Applies every file now; resolves whether all succeeded. */
  apply(): Promise<boolean>;
  token(): string | undefined;
};

/** Why the renderer is not ready: not synced with etcd (or the key file), or a file whose last apply failed. */
function readinessProblems(status: RendererStatus): string[] {
  const source = discoverySource(status.etcd.endpoint);
  const problems = status.etcd.synced ? [] : [`not synced with ${source} yet`];
  for (const template of status.templates) {
    if (template.last_error) problems.push(`${template.dest}: ${template.last_error}`);
  }
  return problems;
}

export function createRendererAdminApp(handlers: RendererHandlers): Hono<AdminEnv> {
  const app = createBaseAdminApp(() => handlers.token());
  app.get("/readyz", (context) => {
    const problems = readinessProblems(handlers.status());
    if (problems.length === 0) return context.text("ready\n");
    return context.json({ ready: false, reasons: problems }, 503);
  });
  app.get("/v1/status", readAccess, (context) => context.json(handlers.status()));
  app.get("/v1/plan", readAccess, async (context) =>
    context.json({ files: await handlers.plan() }),
  );
  app.get("/metrics", readAccess, (context) => {
    const metrics = templateMetrics({ templates: handlers.status().templates });
    return context.text(formatMetrics(metrics), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    });
  });
  app.post("/v1/reload", mutating, async (context) => {
    let ok: boolean;
    try {
      ok = await handlers.apply();
    } catch (error) {
      throw new SluiceError("apply", describeError(error), { cause: error });
    }
    if (!ok) throw new SluiceError("apply", "a [[template]] file failed: see /v1/status");
    return context.json({ ok: true, outcome: "applied" });
  });
  return app;
}
