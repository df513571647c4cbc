// The admin API's handlers over the daemon's pieces (wiring, like daemon.ts).

import { type AdminHandlers, createAdminApp } from "./admin/app.ts";
import type { ConfigFile } from "./apply/config-file.ts";
import type { ApplyCycle } from "./apply/cycle.ts";
import type { DesiredStore } from "./desired.ts";
import type { DaemonEvents } from "./events/wiring.ts";
import { unifiedDiff } from "./line-diff.ts";
import type { Logger, LogLevel } from "./log.ts";
import type { RenderPipeline } from "./pipeline.ts";
import type { Reconciler } from "./reconcile/reconciler.ts";
import type { ResourceLoop } from "./resources/resource-loop.ts";
import type { Status } from "./status.ts";
import type { Readiness } from "./systemd/readiness.ts";

const DIFF_NAMES = { fromName: "haproxy.cfg (served)", toName: "haproxy.cfg (next apply)" };

/** The admin API over the daemon's pieces. */
export function daemonAdmin(pieces: {
  reconciler: Reconciler;
  serverHealth: AdminHandlers["serverHealth"];
  desired: DesiredStore;
  file: ConfigFile;
  cycle: ApplyCycle;
  readiness: Pick<Readiness, "reloading">;
  token: string | undefined;
  status: () => Promise<Status>;
  /** The daemon's logger; its level is changed through `PUT /v1/log-level` when it has one. */
  observed?: AdminHandlers["observed"];
  log?: Logger & Partial<{ level(): LogLevel; setLevel(level: LogLevel): void }>;
  pipeline: Pick<RenderPipeline, "render">;
  events: Pick<DaemonEvents, "bus" | "operator" | "withOverrides">;
  /** The `[[template]]` files, whose diffs `plan --diff` lists too; none when omitted. */
  templates?: Pick<ResourceLoop, "plan">;
}): ReturnType<typeof createAdminApp> {
  const { reconciler, desired, file, cycle, readiness, token, events } = pieces;
  return createAdminApp({
    status: pieces.status,
    services: () => events.withOverrides(reconciler.served().services),
    serverHealth: pieces.serverHealth,
    rejected: () => reconciler.latest().rejected,
    plan: async (options) => {
      const current = desired.current();
      const prepared = await reconciler.prepare(current);
      const answer = { revision: current.revision, plan: prepared.plan, held: prepared.holds };
      if (!options?.diff) return answer;
      // The fast path renders only after routing: render now what the file will then say.
      const next =
        prepared.text ??
        prepared.catchUp ??
        pieces.pipeline.render(prepared.model, prepared.layout);
      const served = file.read() ?? "";
      const files = (await pieces.templates?.plan()) ?? [];
      return { ...answer, diff: unifiedDiff(served, next, DIFF_NAMES), files };
    },
    events: events.bus,
    backendAction: (service, backend, action) =>
      events.operator.act(service, backend, action, "api"),
    config: () => file.read(),
    // A forced reload is one reload window for systemd, from the render to HAProxy's reload.
    reload: () => readiness.reloading(async () => (await cycle.queue.request("reload")).outcome),
    token: () => token,
    logLevel: logLevelControl(pieces.log, (level) => events.bus.publish("log_level", { level })),
    observed: pieces.observed,
  });
}

/** The logger's level control, logging each change; undefined for a logger without one. */
function logLevelControl(
  log: Parameters<typeof daemonAdmin>[0]["log"],
  changed: (level: LogLevel) => void,
) {
  if (!log?.level || !log.setLevel) return undefined;
  const { level, setLevel } = log;
  return {
    level,
    setLevel(next: LogLevel) {
      const previous = level();
      // At warn, so the line shows at every level but error.
      setLevel(next);
      log.warn("log level changed", { level: next, previous });
      changed(next);
    },
  };
}
