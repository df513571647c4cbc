// The composition root: wires config, etcd discovery, the desired state, the apply queue, the
// reconciler, the HAProxy supervisor and the admin API into parts, and runs them until SIGTERM.

import { writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createAdminApp } from "./admin/app.ts";
import { createAdminListeners } from "./admin/listen.ts";
import { createApplier } from "./apply/applier.ts";
import { createConfigFile } from "./apply/config-file.ts";
import { createApplyCycle } from "./apply/cycle.ts";
import { createApplyRecord } from "./apply/record.ts";
import { createCoalescer } from "./coalesce.ts";
import type { SluiceConfig } from "./config/schema.ts";
import { canBind, untilStopSignal } from "./daemon-support.ts";
import { createDesiredStore } from "./desired.ts";
import { createEtcdDiscovery } from "./discovery/etcd.ts";
import type { Discovery } from "./discovery/types.ts";
import { describeError } from "./errors.ts";
import { runtimePaths } from "./haproxy/paths.ts";
import { runServerCommands, showServersState } from "./haproxy/runtime.ts";
import { createSupervisor } from "./haproxy/supervisor.ts";
import { createRemovalFor } from "./health/removal-wiring.ts";
import { serverHealthView } from "./health/views.ts";
import { createHealthMonitorFor, healthPart } from "./health/wiring.ts";
import { createInstanceLock } from "./instance-lock.ts";
import { type Part, startParts } from "./lifecycle.ts";
import { createLogger, type Logger } from "./log.ts";
import { createMemoDecoder } from "./model/build.ts";
import { keysToSave } from "./model/rejected.ts";
import {
  createRenderPipeline,
  modelOptions,
  preflight,
  requireHaproxy,
  serverStateFile,
} from "./pipeline.ts";
import { createReconciler } from "./reconcile/reconciler.ts";
import { createSnapshotSaver, readSnapshot, snapshotPath } from "./snapshot.ts";
import { buildStatus } from "./status-report.ts";
import { APPLY, SUPERVISOR } from "./tunables.ts";
import { VERSION } from "./version.ts";

export type DaemonOptions = { log?: Logger; discovery?: Discovery };

/** The daemon's pieces, wired together but not started. */
function wire(config: SluiceConfig, options: DaemonOptions, log: Logger) {
  const haproxy = requireHaproxy(config);
  const { token } = preflight(config);
  const paths = runtimePaths(haproxy.runtimeDir);
  const pipeline = createRenderPipeline(config);
  const file = createConfigFile({ path: haproxy.config, check: pipeline.check });
  const supervisor = createSupervisor({
    binary: haproxy.binary,
    config: haproxy.config,
    mode: haproxy.reload,
    paths,
    stopTimeoutMs: haproxy.hardStopAfterMs,
    maxOldWorkers: haproxy.maxOldWorkers,
    // A restarted HAProxy loaded the file; apply again so it serves exactly the newest state.
    onRestarted: () => void cycle.queue.request("reload").catch(() => undefined),
    log,
  });
  const applier = createApplier({ file, supervisor });
  const discovery = options.discovery ?? createEtcdDiscovery(config.etcd, log);
  const decode = createMemoDecoder();
  const reconciler = createReconciler({
    apply: config.apply,
    pipeline,
    applier,
    file,
    log,
    running: () => supervisor.isStarted(),
    modelOptions: (revision, retain) => ({ ...modelOptions(config, revision, retain), decode }),
    layoutOptions: pipeline.layoutOptions,
    runCommands: (commands) => runServerCommands(paths.statsSocket, commands),
    dumpServerState: () => showServersState(paths.statsSocket),
    serverStateFile: serverStateFile(haproxy),
    writeServerState: (path, text) => writeFileSync(path, text),
    canBind,
  });
  const health = createHealthMonitorFor(config, paths, { reconciler, discovery, supervisor, log });
  const removal = createRemovalFor(config, { health, discovery, supervisor, log });
  const desired = createDesiredStore();
  const record = createApplyRecord();
  const snapshots = createSnapshotSaver(
    snapshotPath(config.stateDir),
    () => {
      const { revision, kvs } = desired.current();
      return { revision, kvs: keysToSave(kvs, reconciler.latest().rejected) };
    },
    APPLY.snapshotDebounceMs,
    log,
  );
  const cycle = createApplyCycle({
    reconciler,
    desired,
    record,
    log,
    reloadWaitMs: config.apply.reloadWaitMs,
    // Saves the key set etcd last gave, not one read back from disk.
    onApplied: () => desired.source() === "etcd" && snapshots.schedule(),
  });
  const applyLatest = () => void cycle.queue.request("apply").catch(() => undefined);
  const coalescer = createCoalescer(applyLatest, config.apply.minWaitMs, config.apply.maxWaitMs);
  const remover = () => removal.remover.status();
  const status = () =>
    buildStatus({ discovery, supervisor, reconciler, desired, record, cycle, health, remover });
  const app = createAdminApp({
    status,
    services: () => reconciler.served().services,
    serverHealth: (key) => serverHealthView(health, key),
    rejected: () => reconciler.latest().rejected,
    plan: () => planPreview(reconciler, desired),
    config: () => file.read(),
    reload: async () => (await cycle.queue.request("reload")).outcome,
    token: () => token,
  });
  return {
    ...{ haproxy, supervisor, applier, discovery, desired, cycle, coalescer, snapshots, app },
    ...{ health, removal },
  };
}

/** What the next apply would do with the newest desired state (`GET /v1/plan`). */
function planPreview(
  reconciler: ReturnType<typeof createReconciler>,
  desired: ReturnType<typeof createDesiredStore>,
) {
  const current = desired.current();
  const { plan, holds } = reconciler.prepare(current);
  return { revision: current.revision, plan, held: holds };
}

/** The daemon's parts, in start order; they stop in reverse. */
function daemonParts(config: SluiceConfig, pieces: ReturnType<typeof wire>, log: Logger): Part[] {
  const { haproxy, supervisor, applier, discovery, desired, cycle, coalescer, snapshots } = pieces;
  const applyLatest = () => void cycle.queue.request("apply").catch(() => undefined);
  const admin = createAdminListeners(config.admin, pieces.app.fetch);
  return [
    createInstanceLock({
      directories: [haproxy.runtimeDir, dirname(haproxy.config), config.stateDir],
      locked: [config.stateDir, haproxy.runtimeDir],
      checkEveryMs: SUPERVISOR.filesCheckMs,
      alsoCheck: () => admin.restoreSocket(),
      log,
    }),
    { name: "haproxy", start() {}, stop: () => supervisor.stop() },
    {
      name: "apply queue",
      start() {},
      async stop() {
        coalescer.cancel();
        snapshots.cancel();
        await cycle.stop();
      },
    },
    admin,
    {
      name: "last good state",
      start: async () => {
        log.info("sluice started", {
          version: VERSION,
          admin: config.admin.listen,
          mode: haproxy.reload,
        });
        await startFromLastGood(config, applier, desired, applyLatest, log);
      },
      stop() {},
    },
    healthPart(pieces.health),
    {
      name: "etcd discovery",
      start() {
        discovery.start({
          onChange(kvs, revision) {
            desired.fromEtcd(kvs, revision);
            coalescer.poke();
          },
          onState(state) {
            if (state.connected) log.info("etcd connected", { revision: state.revision });
            else
              log.warn("etcd disconnected; serving the last known state", {
                error: state.lastError,
              });
          },
        });
      },
      stop: () => discovery.stop(),
    },
    {
      name: "signals",
      start() {
        process.on("SIGHUP", onHangup);
      },
      stop() {
        process.off("SIGHUP", onHangup);
      },
    },
    // After discovery, so it acts on synced data; stopped first, so it resigns while etcd is up.
    pieces.removal.part,
  ];

  function onHangup(): void {
    log.info("SIGHUP: rendering again");
    applyLatest();
  }
}

/**
 * Serves the last good config at once, so traffic flows even before etcd answers, and takes the
 * keys behind it from the last snapshot until etcd confirms or changes them.
 */
async function startFromLastGood(
  config: SluiceConfig,
  applier: ReturnType<typeof createApplier>,
  desired: ReturnType<typeof createDesiredStore>,
  applyLatest: () => void,
  log: Logger,
): Promise<void> {
  try {
    if (await applier.startFromLastGood()) log.info("haproxy started from the last good config");
  } catch (error) {
    log.warn("cannot start from the last good config", { error: describeError(error) });
  }
  const snapshot = readSnapshot(snapshotPath(config.stateDir));
  if (snapshot && desired.fromSnapshot(snapshot)) {
    log.info("serving the last known state until etcd answers", {
      revision: snapshot.revision,
      saved_at: snapshot.savedAt,
    });
    applyLatest();
  }
}

/** `sluice serve`: runs until SIGTERM or SIGINT; resolves with the exit code. */
export async function runDaemon(
  config: SluiceConfig,
  options: DaemonOptions = {},
): Promise<number> {
  const log = options.log ?? createLogger();
  const running = await startParts(daemonParts(config, wire(config, options, log), log), log);
  await untilStopSignal(log);
  await running.stop();
  log.info("stopped");
  return 0;
}
