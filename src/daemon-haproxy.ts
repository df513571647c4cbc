// The HAProxy side of the composition root: the supervisor and the reconciler, built from the
// config (wiring only, like daemon.ts).

import { writeFileSync } from "node:fs";
import type { createApplier } from "./apply/applier.ts";
import type { createConfigFile } from "./apply/config-file.ts";
import { canBind } from "./can-bind.ts";
import type { HaproxyConfig, SluiceConfig } from "./config/schema.ts";
import type { RuntimePaths } from "./haproxy/paths.ts";
import { runServerCommands, showServersState } from "./haproxy/runtime.ts";
import { createSupervisor, type Supervisor } from "./haproxy/supervisor.ts";
import type { Logger } from "./log.ts";
import { createMemoDecoder } from "./model/build.ts";
import {
  type createRenderPipeline,
  modelOptions,
  requireHaproxy,
  serverStateFile,
} from "./pipeline.ts";
import { createReconciler } from "./reconcile/reconciler.ts";

/** The HAProxy supervisor for `[haproxy]`. */
export function daemonSupervisor(
  haproxy: HaproxyConfig,
  paths: RuntimePaths,
  onRestarted: () => void,
  log: Logger,
): Supervisor {
  return createSupervisor({
    binary: haproxy.binary,
    config: haproxy.config,
    mode: haproxy.reload,
    paths,
    stopTimeoutMs: haproxy.hardStopAfterMs,
    maxOldWorkers: haproxy.maxOldWorkers,
    onRestarted,
    log,
  });
}

/** The reconciler for `config`, over the daemon's render pipeline, files and HAProxy. */
export function daemonReconciler(
  config: SluiceConfig,
  parts: {
    pipeline: ReturnType<typeof createRenderPipeline>;
    applier: ReturnType<typeof createApplier>;
    file: ReturnType<typeof createConfigFile>;
    supervisor: Supervisor;
    paths: RuntimePaths;
    log: Logger;
    /** Adds to a runtime batch what keeps operator overrides in force (overrides/store.ts). */
    amend?: (commands: string[]) => string[];
  },
) {
  const { pipeline, applier, file, supervisor, paths, log } = parts;
  const amend = parts.amend ?? ((commands: string[]) => commands);
  const haproxy = requireHaproxy(config);
  const decode = createMemoDecoder();
  return createReconciler({
    apply: config.apply,
    pipeline,
    applier,
    file,
    log,
    running: () => supervisor.isStarted(),
    modelOptions: (revision, retain) => ({ ...modelOptions(config, revision, retain), decode }),
    layoutOptions: pipeline.layoutOptions,
    runCommands: (commands) => runServerCommands(paths.statsSocket, amend(commands)),
    dumpServerState: () => showServersState(paths.statsSocket),
    serverStateFile: serverStateFile(haproxy),
    writeServerState: (path, text) => writeFileSync(path, text),
    canBind,
  });
}
