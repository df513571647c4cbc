// The composition root: wires config, etcd discovery, model, renderer, applier, HAProxy supervisor
// and the admin API, and runs until SIGTERM.

import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createAdminApp } from "./admin/app.ts";
import { createApplier } from "./apply.ts";
import { createCoalescer } from "./coalesce.ts";
import type { SluiceConfig } from "./config/schema.ts";
import { createEtcdDiscovery } from "./discovery/etcd.ts";
import { readEtcdSecrets } from "./discovery/etcd-client.ts";
import type { Discovery } from "./discovery/types.ts";
import { ConfigError, describeError, RenderError } from "./errors.ts";
import { checkConfig } from "./haproxy/check.ts";
import { runtimePaths } from "./haproxy/paths.ts";
import { runServerCommands, showServersState } from "./haproxy/runtime.ts";
import { createSupervisor } from "./haproxy/supervisor.ts";
import { createLogger, type Logger } from "./log.ts";
import {
  type BuildModelOptions,
  buildModel,
  countServers,
  createMemoDecoder,
} from "./model/build.ts";
import { freshLayout, type LayoutOptions } from "./model/layout.ts";
import type { KeyValue, Model } from "./model/types.ts";
import { createReconciler } from "./reconcile.ts";
import { DEFAULT_TEMPLATE } from "./render/default-template.ts";
import { createRenderer, type RenderSettings } from "./render/render.ts";
import { readSnapshot, snapshotPath, writeSnapshot } from "./snapshot.ts";
import type { Status } from "./status.ts";
import { VERSION } from "./version.ts";

type HaproxySection = NonNullable<SluiceConfig["haproxy"]>;

/** The template source: the configured file when it exists, else the embedded default. */
export function loadTemplate(haproxy: HaproxySection): { source: string; name: string } {
  if (!existsSync(haproxy.template))
    return { source: DEFAULT_TEMPLATE, name: "the default template" };
  try {
    return { source: readFileSync(haproxy.template, "utf8"), name: haproxy.template };
  } catch (error) {
    throw new RenderError(`${haproxy.template}: cannot read template: ${describeError(error)}`);
  }
}

/** Values the template sees under `haproxy` and `default_service`. */
export function renderSettings(
  haproxy: HaproxySection,
  model: Model,
  templateName: string,
): RenderSettings {
  const paths = runtimePaths(haproxy.runtimeDir);
  return {
    template: templateName,
    haproxy: {
      bind: haproxy.bind,
      stats_bind: haproxy.statsBind,
      runtime_dir: haproxy.runtimeDir,
      stats_socket: paths.statsSocket,
      master_socket: paths.masterSocket,
      hard_stop_after: `${haproxy.hardStopAfterMs}ms`,
      reload: haproxy.reload,
      max_old_workers: haproxy.maxOldWorkers,
      cookie_key: haproxy.cookieKey,
      server_state_file: serverStateFile(haproxy),
    },
    defaultService: haproxy.defaultService || model.services[0]?.name || "",
  };
}

/** How sluice.toml shapes the model: prefix, per-service overrides, and the default service,
 * which always exists (so `default_backend` never names a missing backend). */
export function modelOptions(
  config: SluiceConfig,
  revision: number,
  retain: Iterable<string> = [],
): BuildModelOptions {
  const defaultService = config.haproxy?.defaultService;
  return {
    prefix: config.etcd.prefix,
    revision,
    overrides: config.services,
    retain: defaultService ? [...retain, defaultService] : retain,
  };
}

/** Whether `host:port` is free to bind, tried with a listener that is closed at once. */
function canBind(host: string, port: number): boolean {
  try {
    Bun.listen({ hostname: host, port, socket: { data() {} } }).stop(true);
    return true;
  } catch {
    return false;
  }
}

/** Where HAProxy's server state is dumped before a reload: beside the rendered config. */
export function serverStateFile(haproxy: HaproxySection): string {
  return join(dirname(haproxy.config), "haproxy.state");
}

/** Slot spares from sluice.toml. */
export function layoutOptions(config: SluiceConfig): LayoutOptions {
  return { minSpares: config.haproxy?.spareSlots ?? 8, spareRatio: 0.25, maxSpares: 1024 };
}

function requireHaproxy(config: SluiceConfig): HaproxySection {
  if (!config.haproxy) {
    throw new ConfigError(`${config.file}: [haproxy]: section missing; sluice serve needs it`);
  }
  return config.haproxy;
}

/** `sluice serve --once`: read etcd once, render, check and write haproxy.cfg. */
export async function renderOnce(
  config: SluiceConfig,
  log: Logger = createLogger(),
): Promise<void> {
  const haproxy = requireHaproxy(config);
  const discovery = createEtcdDiscovery(config.etcd, log);
  try {
    const { kvs, revision } = await discovery.snapshot();
    const model = buildModel(kvs, modelOptions(config, revision));
    const { source, name } = loadTemplate(haproxy);
    const layout = freshLayout(model, layoutOptions(config));
    const text = createRenderer().render(
      source,
      name,
      model,
      renderSettings(haproxy, model, name),
      layout,
    );
    mkdirSync(dirname(haproxy.config), { recursive: true });
    const staged = `${haproxy.config}.staged`;
    writeFileSync(staged, text, { mode: 0o640 });
    try {
      await checkConfig(haproxy.binary, staged, haproxy.checkTimeoutMs);
    } catch (error) {
      rmSync(staged, { force: true });
      throw error;
    }
    renameSync(staged, haproxy.config);
    log.info("rendered", {
      config: haproxy.config,
      revision,
      services: model.services.length,
      backends: countServers(model),
      rejected: model.rejected.length,
    });
  } finally {
    await discovery.stop();
  }
}

export type DaemonOptions = { log?: Logger; discovery?: Discovery };

/** `sluice serve`: runs until SIGTERM or SIGINT; resolves with the exit code. */
export async function runDaemon(
  config: SluiceConfig,
  options: DaemonOptions = {},
): Promise<number> {
  const log = options.log ?? createLogger();
  const haproxy = requireHaproxy(config);
  // Missing or unreadable TLS and password files stop the start, naming the file; a wrong
  // certificate or password is only found by etcd, and is retried and reported in status.
  readEtcdSecrets(config.etcd);
  const paths = runtimePaths(haproxy.runtimeDir);
  mkdirSync(haproxy.runtimeDir, { recursive: true });
  mkdirSync(dirname(haproxy.config), { recursive: true });
  mkdirSync(config.stateDir, { recursive: true });

  const supervisor = createSupervisor({
    binary: haproxy.binary,
    config: haproxy.config,
    mode: haproxy.reload,
    paths,
    stopTimeoutMs: Math.min(haproxy.hardStopAfterMs, 30_000),
    maxOldWorkers: haproxy.maxOldWorkers,
    // A restarted HAProxy loaded the file; apply again so it serves exactly the newest state.
    onRestarted: () => void applyLatest(true).catch(() => undefined),
    log,
  });
  const applier = createApplier({
    config: haproxy.config,
    check: (file) => checkConfig(haproxy.binary, file, haproxy.checkTimeoutMs),
    supervisor,
  });
  const discovery = options.discovery ?? createEtcdDiscovery(config.etcd, log);
  const renderer = createRenderer();

  const decode = createMemoDecoder();
  const reconciler = createReconciler({
    config,
    applier,
    renderer,
    log,
    running: () => supervisor.isStarted(),
    loadTemplate: () => loadTemplate(haproxy),
    settings: (model, templateName) => renderSettings(haproxy, model, templateName),
    modelOptions: (revision, retain) => ({ ...modelOptions(config, revision, retain), decode }),
    layoutOptions: layoutOptions(config),
    runCommands: (commands) => runServerCommands(paths.statsSocket, commands),
    dumpServerState: () => showServersState(paths.statsSocket),
    serverStateFile: serverStateFile(haproxy),
    canBind,
    requestReload: () => void applyLatest(true).catch(() => undefined),
  });

  let kvs: KeyValue[] = [];
  /** Where `kvs` came from: etcd itself, or the snapshot on disk while etcd has not answered. */
  let source: "none" | "snapshot" | "etcd" = "none";
  /** When the oldest change not yet applied arrived from etcd. */
  let firstChangeAt: number | undefined;
  let revision = 0;
  const applyState = {
    applies: 0,
    lastOkAt: undefined as string | undefined,
    lastError: undefined as string | undefined,
    revision: 0,
    pending: false,
    lastLatencyMs: undefined as number | undefined,
  };

  let chain: Promise<unknown> = Promise.resolve();
  let queued: Promise<string> | undefined;
  let forceNext = false;

  /** Saves the key set etcd last gave (not one read back from disk), at most every 200 ms. */
  let snapshotTimer: ReturnType<typeof setTimeout> | undefined;
  function scheduleSnapshot(): void {
    if (source !== "etcd" || snapshotTimer) return;
    snapshotTimer = setTimeout(() => {
      snapshotTimer = undefined;
      try {
        writeSnapshot(snapshotPath(config.stateDir), revision, kvs);
      } catch (error) {
        log.warn("cannot save the etcd snapshot", { error: describeError(error) });
      }
    }, 200);
  }

  async function applyOnce(force: boolean): Promise<string> {
    const changedAt = firstChangeAt;
    firstChangeAt = undefined;
    const outcome = await reconciler.apply(() => ({ kvs, revision }), force);
    if (changedAt !== undefined && outcome !== "unchanged") {
      applyState.lastLatencyMs = Math.round((reconciler.lastRoutedAt() - changedAt) * 100) / 100;
    }
    const atRevision = reconciler.appliedRevision();
    const served = reconciler.served();
    applyState.applies++;
    applyState.revision = atRevision;
    applyState.lastOkAt = new Date().toISOString();
    applyState.lastError = undefined;
    scheduleSnapshot();
    if (outcome !== "unchanged") {
      log.info(`haproxy ${outcome === "runtime" ? "updated through the runtime API" : outcome}`, {
        revision: atRevision,
        services: served.services.length,
        backends: countServers(served),
        rejected: reconciler.latest().rejected.length,
      });
    }
    return outcome;
  }

  /**
   * Applies the newest state. Applies run one at a time; a call made while one runs queues a
   * single follow-up, which reads the state when it starts, so a burst costs at most two applies.
   */
  function applyLatest(force = false): Promise<string> {
    if (force) forceNext = true;
    if (queued) return queued;
    applyState.pending = true;
    const run = chain.then(async () => {
      queued = undefined;
      applyState.pending = false;
      const force = forceNext;
      forceNext = false;
      try {
        return await applyOnce(force);
      } catch (error) {
        applyState.lastError = describeError(error);
        log.error("apply failed; the last good config keeps serving", {
          error: applyState.lastError,
        });
        throw error;
      }
    });
    queued = run;
    chain = run.catch(() => undefined);
    return run;
  }

  const coalescer = createCoalescer(
    () => void applyLatest().catch(() => undefined),
    config.apply.minWaitMs,
    config.apply.maxWaitMs,
  );

  async function status(): Promise<Status> {
    const d = discovery.state();
    const h = await supervisor.status();
    return {
      version: VERSION,
      etcd: {
        connected: d.connected,
        revision: d.revision,
        endpoint: d.endpoint ?? null,
        synced: d.synced,
        stale: !d.connected || source !== "etcd",
        source,
        relists: d.relists,
        reconnects: d.reconnects,
        last_error: d.lastError ?? null,
      },
      haproxy: {
        running: h.running,
        mode: h.mode,
        pid: h.pid ?? null,
        workers: h.workers,
        reloads: h.reloads,
        restarts: h.restarts,
        runtime_updates: reconciler.runtimeUpdates(),
        last_reload_at: h.lastReloadAt ?? null,
      },
      apply: {
        applies: applyState.applies,
        last_ok_at: applyState.lastOkAt ?? null,
        last_error: applyState.lastError ?? null,
        pending: applyState.pending,
        revision: applyState.revision,
        last_latency_ms: applyState.lastLatencyMs ?? null,
        config_synced: reconciler.fileSynced(),
      },
      services: reconciler.served().services.length,
      backends: countServers(reconciler.served()),
      rejected: reconciler.latest().rejected,
      held: reconciler.holds(),
    };
  }

  const token = config.admin.tokenFile
    ? readFileSync(config.admin.tokenFile, "utf8").trim()
    : undefined;
  const app = createAdminApp({
    status,
    services: () => reconciler.served().services,
    plan: () => {
      const { plan, holds } = reconciler.prepare(kvs, revision);
      return { revision, plan, held: holds };
    },
    config: () => (existsSync(haproxy.config) ? readFileSync(haproxy.config, "utf8") : undefined),
    reload: () => applyLatest(true),
    token: () => token,
  });

  const servers: ReturnType<typeof Bun.serve>[] = [];
  if (config.admin.listen) {
    const at = config.admin.listen.lastIndexOf(":");
    const hostname = config.admin.listen.slice(0, at).replace(/^\[|\]$/g, "");
    servers.push(
      Bun.serve({ hostname, port: Number(config.admin.listen.slice(at + 1)), fetch: app.fetch }),
    );
  }
  if (config.admin.socket) {
    mkdirSync(dirname(config.admin.socket), { recursive: true });
    rmSync(config.admin.socket, { force: true });
    servers.push(Bun.serve({ unix: config.admin.socket, fetch: app.fetch }));
  }
  log.info("sluice started", {
    version: VERSION,
    admin: config.admin.listen,
    mode: haproxy.reload,
  });

  // Serve the last good config at once, so traffic flows even before etcd answers, and know
  // the keys behind it from the last snapshot until etcd confirms or changes them.
  try {
    if (await reconciler.startFromLastGood()) log.info("haproxy started from the last good config");
  } catch (error) {
    log.warn("cannot start from the last good config", { error: describeError(error) });
  }
  const snapshot = readSnapshot(snapshotPath(config.stateDir));
  if (snapshot && source === "none") {
    kvs = snapshot.kvs;
    revision = snapshot.revision;
    source = "snapshot";
    log.info("serving the last known state until etcd answers", {
      revision,
      saved_at: snapshot.savedAt,
    });
    void applyLatest().catch(() => undefined);
  }

  discovery.start({
    onChange(nextKvs, nextRevision) {
      source = "etcd";
      kvs = nextKvs;
      revision = nextRevision;
      firstChangeAt ??= performance.now();
      applyState.pending = true;
      coalescer.poke();
    },
    onState(state) {
      if (state.connected) log.info("etcd connected", { revision: state.revision });
      else log.warn("etcd disconnected; serving the last known state", { error: state.lastError });
    },
  });

  const exitCode = await new Promise<number>((resolve) => {
    const shutdown = (signal: string) => {
      log.info("stopping", { signal });
      resolve(0);
    };
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    process.once("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGHUP", () => {
      log.info("SIGHUP: rendering again");
      void applyLatest().catch(() => undefined);
    });
  });

  coalescer.cancel();
  await discovery.stop();
  for (const server of servers) server.stop(true);
  if (config.admin.socket) rmSync(config.admin.socket, { force: true });
  await supervisor.stop();
  log.info("stopped");
  return exitCode;
}
