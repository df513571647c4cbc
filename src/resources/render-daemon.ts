// `sluice serve` without `[haproxy]`: a plain renderer of the `[[template]]` files, confd-style.
// Discovery, the resource applies, signals (SIGTERM/SIGINT stop, SIGHUP applies again) and the
// admin API's health, readiness, status, metrics and plan.

import { createAdminListeners } from "../admin/listen.ts";
import { createRendererAdminApp, type RendererStatus } from "../admin/render-app.ts";
import type { SluiceConfig } from "../config/schema.ts";
import { createDiscovery } from "../discovery/create.ts";
import type { Discovery } from "../discovery/types.ts";
import { type Part, runUntilStopped } from "../lifecycle.ts";
import { createLogger, type Logger } from "../log.ts";
import { preflight } from "../pipeline.ts";
import { listenForSignals } from "../signals.ts";
import { discoverySource } from "../status.ts";
import { VERSION } from "../version.ts";
import { createResourceLoop, type KeySet, type ResourceLoop } from "./resource-loop.ts";
import { watchPrefix } from "./watch-prefix.ts";

export type RenderDaemonOptions = { log?: Logger; discovery?: Discovery };

/** The renderer's `/v1/status`. */
function rendererStatus(discovery: Discovery, templates: ResourceLoop): RendererStatus {
  const etcd = discovery.state();
  return {
    version: VERSION,
    mode: "renderer",
    etcd: {
      ...{ state: etcd.state, connected: etcd.connected, revision: etcd.revision },
      ...{ endpoint: etcd.endpoint ?? null, synced: etcd.synced, relists: etcd.relists },
      ...{ reconnects: etcd.reconnects, last_error: etcd.lastError ?? null },
    },
    templates: templates.status(),
  };
}

/** Discovery feeding the key set and the applies, as a part. */
function discoveryPart(
  discovery: Discovery,
  keys: { set(keySet: KeySet): void },
  templates: ResourceLoop,
  log: Logger,
): Part {
  return {
    name: "etcd discovery",
    start() {
      discovery.start({
        onChange(update) {
          keys.set({ kvs: update.kvs(), revision: update.revision });
          templates.changed();
        },
        onState(state) {
          const source = discoverySource(state.endpoint);
          if (state.connected) log.info(`${source} connected`, { revision: state.revision });
          else
            log.warn(`${source} disconnected; the files stay as they are`, {
              error: state.lastError,
            });
        },
      });
    },
    stop: () => discovery.stop(),
  };
}

/** Runs until SIGTERM or SIGINT; resolves with the exit code. */
export async function runRenderDaemon(
  config: SluiceConfig,
  options: RenderDaemonOptions = {},
): Promise<number> {
  const log =
    options.log ?? createLogger(undefined, { format: config.logFormat, level: config.logLevel });
  const { token } = preflight(config);
  const discovery = options.discovery ?? createDiscovery(config, log);
  let current: KeySet = { kvs: [], revision: 0 };
  const templates = createResourceLoop(config, { current: () => current, log });
  const app = createRendererAdminApp({
    status: () => rendererStatus(discovery, templates),
    plan: () => templates.plan(),
    apply: async () => (await templates.applyNow())?.ok ?? true,
    token: () => token,
  });
  const signals = listenForSignals(log);
  const keys = {
    set(keySet: KeySet) {
      current = keySet;
    },
  };
  const parts: Part[] = [
    createAdminListeners(config.admin, app.fetch),
    { name: "templates", start() {}, stop: () => templates.stop() },
    discoveryPart(discovery, keys, templates, log),
    signals.hangupPart(() => {
      log.info("SIGHUP: rendering again");
      void templates.applyNow();
    }),
    {
      name: "start notice",
      start: () =>
        log.info("sluice started", {
          version: VERSION,
          mode: "renderer",
          watch: watchPrefix(config),
        }),
      stop() {},
    },
  ];
  return runUntilStopped(parts, signals, log);
}
