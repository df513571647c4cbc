// The composition root: wires config, etcd discovery, the desired state, the apply queue, the
// reconciler, the HAProxy supervisor and the admin API into parts, and runs them until SIGTERM.

import { dirname } from "node:path";
import { createEventLoopLag } from "./admin/event-loop-lag.ts";
import { createAdminListeners } from "./admin/listen.ts";
import { createObservations } from "./admin/metrics-observations.ts";
import { createApplier } from "./apply/applier.ts";
import { createConfigFile } from "./apply/config-file.ts";
import { createApplyCycle } from "./apply/cycle.ts";
import { createApplyRecord } from "./apply/record.ts";
import { createCoalescer } from "./coalesce.ts";
import type { SluiceConfig } from "./config/schema.ts";
import { daemonAdmin } from "./daemon-admin.ts";
import { createDnsAnswers } from "./daemon-dns.ts";
import { daemonReconciler, daemonSupervisor } from "./daemon-haproxy.ts";
import { daemonSnapshots } from "./daemon-snapshots.ts";
import { createDesiredStore } from "./desired.ts";
import { createDiscovery } from "./discovery/create.ts";
import type { Discovery } from "./discovery/types.ts";
import { createDaemonEvents } from "./events/wiring.ts";
import { createFdReport } from "./fd-report.ts";
import { runtimePaths } from "./haproxy/paths.ts";
import { createRemovalFor } from "./health/removal-wiring.ts";
import { serverHealthView } from "./health/views.ts";
import { createHealthMonitorFor, healthPart } from "./health/wiring.ts";
import { createInstanceLock } from "./instance-lock.ts";
import { startFromLastGood } from "./last-good-start.ts";
import { type Part, runUntilStopped } from "./lifecycle.ts";
import { createLogger, type Logger } from "./log.ts";
import { openFileLimit } from "./open-file-limit.ts";
import { createRenderPipeline, preflight, requireHaproxy, serverStateFile } from "./pipeline.ts";
import { createResourceLoop } from "./resources/resource-loop.ts";
import { type DaemonSignals, listenForSignals } from "./signals.ts";
import { buildStatus, systemdFacts } from "./status-report.ts";
import { createSystemdPart } from "./systemd/part.ts";
import { SUPERVISOR } from "./tunables.ts";
import { VERSION } from "./version.ts";

/** The /metrics path label of each apply outcome. */
const APPLIED_VIA = { runtime: "runtime_api", reloaded: "reload", started: "start" } as const;

export type DaemonOptions = { log?: Logger; discovery?: Discovery };

/** The daemon's pieces, wired together but not started. */
function wire(config: SluiceConfig, options: DaemonOptions, log: Logger) {
  const haproxy = requireHaproxy(config);
  const { token } = preflight(config);
  const paths = runtimePaths(haproxy.runtimeDir);
  // After HAProxy restarted, or DNS answers changed: HAProxy serves exactly the newest state.
  const reload = () => void cycle.queue.request("reload").catch(() => undefined);
  const fd = createFdReport(log, (layout) => pipeline.fdBudget(layout));
  const dns = createDnsAnswers(createRenderPipeline(config, fd.pipelineOptions), reload, log);
  const { pipeline } = dns;
  const file = createConfigFile({ path: haproxy.config, check: pipeline.check });
  const systemd = createSystemdPart({
    log,
    facts: () => systemdFacts({ reconciler, discovery, record }),
  });
  const stateFile = serverStateFile(haproxy);
  const events = createDaemonEvents({ log, paths, stateFile, reconciler: () => reconciler });
  const supervisor = events.supervisor(
    systemd.watch(daemonSupervisor(haproxy, paths, reload, log)),
  );
  const [observations, lag] = [createObservations(), createEventLoopLag()];
  const applier = createApplier({
    file,
    supervisor,
    onReloaded: observations.reloaded,
    onRolledBack: observations.rolledBack,
  });
  const discovery = options.discovery ?? createDiscovery(config, log);
  const overrides = events.operator;
  const reconciler = events.reconciler(
    daemonReconciler(config, { pipeline, applier, file, supervisor, paths, log, overrides }),
  );
  const health = createHealthMonitorFor(config, paths, { reconciler, discovery, supervisor, log });
  events.watchHealth(health);
  const removal = createRemovalFor(config, {
    ...{ health, discovery, supervisor, log },
    publish: events.publish,
  });
  const desired = createDesiredStore();
  // [[template]] files: the same key sets, applied apart from HAProxy's.
  const templates = createResourceLoop(config, { current: desired.current, log, events });
  const record = createApplyRecord(undefined, {
    applied: (outcome, latencyMs) => observations.applied(APPLIED_VIA[outcome], latencyMs),
    failed: observations.applyFailed,
  });
  const snapshots = daemonSnapshots(config, desired, reconciler, log);
  const cycle = createApplyCycle({
    ...{ reconciler, desired, record, log },
    reloadWaitMs: config.apply.reloadWaitMs,
    minReloadIntervalMs: config.apply.minReloadIntervalMs,
    onApplied() {
      // Saves the key set etcd last gave, not one read back from disk.
      if (desired.source() === "etcd") snapshots.schedule();
      systemd.readiness.changed();
    },
    onFailed(error) {
      events.applyFailed(error);
      systemd.readiness.changed();
    },
  });
  const applyLatest = () => void cycle.queue.request("apply").catch(() => undefined);
  const coalescer = createCoalescer(applyLatest, config.apply.minWaitMs, config.apply.maxWaitMs);
  const remover = () => removal.remover.status();
  const status = () =>
    buildStatus({
      ...{ discovery, supervisor, reconciler, desired, record, cycle, health, remover },
      ...{ overrides: overrides.list, templates: templates.status, fd: fd.status },
    });
  const app = daemonAdmin({
    ...{ reconciler, desired, file, cycle, token, status, log, pipeline, events, templates },
    serverHealth: (key) => serverHealthView(health, key),
    readiness: systemd.readiness,
    observed: () => ({ ...observations.view(), eventLoopLag: lag.snapshot() }),
  });
  return {
    ...{ haproxy, supervisor, applier, discovery, desired, cycle, coalescer, snapshots },
    ...{ app, systemd, health, removal, events, templates, dns, lag },
  };
}

/** The daemon's parts, in start order; they stop in reverse. */
function daemonParts(
  config: SluiceConfig,
  pieces: ReturnType<typeof wire>,
  signals: DaemonSignals,
  log: Logger,
): Part[] {
  const { haproxy, supervisor, applier, discovery, desired, cycle, coalescer, snapshots } = pieces;
  const { readiness } = pieces.systemd;
  const applyLatest = () => void cycle.queue.request("apply").catch(() => undefined);
  const admin = createAdminListeners(config.admin, pieces.app.fetch);
  const source = config.discovery === "file" ? "the key file" : "etcd";
  return [
    pieces.systemd,
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
        await Promise.all([cycle.stop(), pieces.templates.stop()]);
      },
    },
    pieces.dns,
    pieces.lag,
    admin,
    {
      name: "last good state",
      start: async () => {
        // fd_limit: raised to the hard limit before HAProxy starts, which inherits it.
        const started = { version: VERSION, admin: config.admin.listen, mode: haproxy.reload };
        log.info("sluice started", { ...started, fd_limit: openFileLimit() });
        await startFromLastGood(config, applier, desired, applyLatest, log);
      },
      stop() {},
    },
    healthPart(pieces.health),
    {
      name: "etcd discovery",
      start() {
        discovery.start({
          onChange(update) {
            pieces.events.changed(update.changes, update.revision);
            desired.fromEtcd(update);
            coalescer.poke();
            pieces.templates.changed();
          },
          onState(state) {
            pieces.events.etcdState(state);
            readiness.changed();
            if (state.connected) log.info(`${source} connected`, { revision: state.revision });
            else
              log.warn(`${source} disconnected; serving the last known state`, {
                error: state.lastError,
              });
          },
        });
      },
      stop: () => discovery.stop(),
    },
    signals.hangupPart(onHangup),
    // After discovery, so it acts on synced data; stopped first, so it resigns while etcd is up.
    pieces.removal.part,
  ];

  function onHangup(): void {
    log.info("SIGHUP: rendering again");
    // systemd's reload signal: a reload window for it (Type=notify-reload works too).
    void readiness.reloading(() => cycle.queue.request("apply")).catch(() => undefined);
    void pieces.templates.applyNow();
  }
}

/** `sluice serve`: runs until SIGTERM or SIGINT; resolves with the exit code. */
export async function runDaemon(
  config: SluiceConfig,
  options: DaemonOptions = {},
): Promise<number> {
  const log =
    options.log ?? createLogger(undefined, { format: config.logFormat, level: config.logLevel });
  const pieces = wire(config, options, log);
  const signals = listenForSignals(log);
  // STOPPING=1 as soon as the signal comes, even during start-up (which then ends first).
  void signals.stopRequested.then(() => pieces.systemd.readiness.stopping());
  return runUntilStopped(daemonParts(config, pieces, signals, log), signals, log);
}
