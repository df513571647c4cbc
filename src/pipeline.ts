// The render pipeline that `serve`, `serve --once` and `lbctl check` share: the checks made before
// anything starts, and etcd keys → model → slot layout → Liquid render. Nothing long-lived here.

import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { readTokenFile } from "./admin/token-file.ts";
import { createDnsCache, type DnsCache } from "./confd/dns.ts";
import { usesDnsLookups } from "./confd/filters.ts";
import type { HaproxyConfig, SluiceConfig } from "./config/schema.ts";
import { readEtcdSecrets } from "./discovery/etcd-client.ts";
import { ConfigError, RenderError } from "./errors.ts";
import { checkConfig } from "./haproxy/check.ts";
import {
  type FdBudget,
  fdBudget,
  haproxyThreads,
  layoutServerLines,
  withFdBudget,
} from "./haproxy/fd-budget.ts";
import { runtimePaths } from "./haproxy/paths.ts";
import { type BuildModelOptions, buildModel, countServers } from "./model/build.ts";
import { freshLayout, type Layout, type LayoutOptions } from "./model/layout.ts";
import type { KeyValue, Model } from "./model/types.ts";
import { openFileLimit } from "./open-file-limit.ts";
import {
  DEFAULT_HEALTH_SETTINGS,
  type HealthSettings,
  healthSettings,
} from "./render/health-settings.ts";
import { createOffLoopRenderer } from "./render/off-loop.ts";
import { createRenderer, type RenderLimits, type RenderSettings } from "./render/render.ts";
import { loadTemplate, type TemplateSource } from "./render/template-source.ts";
import { DNS, RENDER, SLOTS } from "./tunables.ts";

/** Where HAProxy's server state is dumped before a reload: beside the rendered config. */
export function serverStateFile(haproxy: HaproxyConfig): string {
  return join(dirname(haproxy.config), "haproxy.state");
}

/** The default template's Host → backend map: beside the rendered config, written with it. */
export function hostsMapFile(haproxy: HaproxyConfig): string {
  return join(dirname(haproxy.config), "hosts.map");
}

/** Values the template sees under `haproxy`, `default_service` and `health`. */
export function renderSettings(
  haproxy: HaproxyConfig,
  model: Model,
  templateName: string,
  health: HealthSettings = DEFAULT_HEALTH_SETTINGS,
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
      hosts_map: hostsMapFile(haproxy),
    },
    // The model chose it (configured, else registered first); a model built elsewhere: the first.
    defaultService:
      haproxy.defaultService || (model.defaultService ?? model.services[0]?.name) || "",
    health,
    // Only with trusted prefixes, so the settings (and the fast path's template key) stay as they
    // were without.
    ...(model.trusted ? { rawEntries: model.trusted } : {}),
  };
}

/** How sluice.toml shapes the model: prefix, per-service overrides, and the default service,
 * which always exists (so `default_backend` never names a missing backend); unset, the model
 * keeps the service registered first. */
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
    trustedPrefixes: config.haproxy?.trustedPrefixes ?? [],
    ...(defaultService ? { defaultService } : {}),
  };
}

/** Slot spares from sluice.toml. */
export function layoutOptions(config: SluiceConfig): LayoutOptions {
  return {
    minSpares: config.haproxy?.spareSlots ?? 8,
    spareRatio: SLOTS.spareRatio,
    maxSpares: SLOTS.maxSpares,
  };
}

/** The `[haproxy]` section, which serving and checking need. */
export function requireHaproxy(config: SluiceConfig): HaproxyConfig {
  if (!config.haproxy) {
    throw new ConfigError(`${config.file}: [haproxy]: section missing; sluice serve needs it`);
  }
  return config.haproxy;
}

/**
 * The checks every way of running makes before anything starts; throws naming the field and the
 * file. Returns the admin token, when one is configured.
 */
export function preflight(config: SluiceConfig): { token: string | undefined } {
  // Missing or unreadable TLS and password files stop the start, naming the file; a wrong
  // certificate or password is only found by etcd, and is retried and reported in status.
  readEtcdSecrets(config.etcd);
  const { tokenFile } = config.admin;
  return {
    token: tokenFile ? readTokenFile(tokenFile, `${config.file}: admin.token_file`) : undefined,
  };
}

/** A rendered configuration and what it was rendered from. */
export type Rendered = { model: Model; layout: Layout; text: string };

/** A layout's file-descriptor budget, with the server lines it counted. */
export type LayoutFdBudget = { budget: FdBudget; serverLines: number };

export type RenderPipeline = {
  /** The template as it is now on disk (or the embedded default). */
  template(): TemplateSource;
  settings(model: Model, templateName: string): RenderSettings;
  layoutOptions: LayoutOptions;
  /** Renders `model` with its servers in the slots of `layout`. Throws RenderError. */
  render(model: Model, layout: Layout): string;
  /** `render` in a worker thread for a large model, so the event loop stays free; on the loop
   * for a small one, or a template that looks names up in DNS (the answers live here). */
  renderOffLoop(model: Model, layout: Layout): Promise<string>;
  /** Keys at a revision all the way to a configuration, with a fresh slot layout. */
  renderKeys(kvs: KeyValue[], revision: number): Rendered;
  /** renderKeys, rendered again while the template asked for DNS names not yet resolved (at
   * most `DNS.settledRenders` renders), so the text has their answers: offline rendering. */
  renderKeysSettled(kvs: KeyValue[], revision: number): Promise<Rendered>;
  /** Whether a render asked for a DNS name that has no answer yet. */
  dnsPending(): boolean;
  /** Resolves the names renders asked for anew; true if any answer changed. */
  settleDns(): Promise<boolean>;
  /** Resolves again the names the template uses (nothing when it uses none); true if any
   * answer changed. */
  refreshDns(): Promise<boolean>;
  /** `haproxy -c` on a file; throws HaproxyCheckError with HAProxy's alerts. */
  check(file: string): Promise<void>;
  /** HAProxy's file descriptors for a layout: the limit, the maxconn that fits it beside the
   * layout's server lines, and what HAProxy needs; what every render gives the template. */
  fdBudget(layout: Layout): LayoutFdBudget;
};

/** What a pipeline is made with besides the config; production defaults when omitted. */
export type RenderPipelineOptions = {
  /** The DNS answers of the template's lookup filters (one cache per pipeline). */
  dns?: DnsCache;
  /** The open-file limit HAProxy inherits (sluice's own, raised to the hard limit). */
  fdLimit?: () => number;
  /** CPUs HAProxy runs a thread on. */
  cpus?: number;
  /** Hears the file-descriptor budget of every render, with the server lines it counted. */
  onFdBudget?: (budget: FdBudget, serverLines: number) => void;
};

export function createRenderPipeline(
  config: SluiceConfig,
  options: RenderPipelineOptions = {},
): RenderPipeline {
  const haproxy = requireHaproxy(config);
  const dns = options.dns ?? createDnsCache();
  const limits: RenderLimits = {
    timeoutMs: haproxy.renderTimeoutMs,
    memory: haproxy.renderMemoryLimit,
    templateSize: haproxy.templateSizeLimit,
  };
  const renderer = createRenderer(limits, { dns });
  const offLoop = createOffLoopRenderer(limits);
  const slots = layoutOptions(config);
  const template = () => loadTemplate(haproxy);
  const health = healthSettings(config.health, config.services);
  const settings = (model: Model, name: string) => renderSettings(haproxy, model, name, health);
  const fdLimit = options.fdLimit ?? openFileLimit;
  const threads = haproxyThreads(options.cpus ?? availableParallelism());
  const budgetOf = (layout: Layout): LayoutFdBudget => {
    const serverLines = layoutServerLines(layout);
    // The default template's server lines carry `check` (a descriptor each) while health is on.
    const checked = config.health.enabled ? serverLines : 0;
    return { budget: fdBudget(fdLimit(), { serverLines: checked, threads }), serverLines };
  };
  const render = (model: Model, layout: Layout) => {
    const { source, name } = template();
    const fd = budgetOf(layout);
    options.onFdBudget?.(fd.budget, fd.serverLines);
    const fitted = withFdBudget(settings(model, name), fd.budget);
    return renderer.render(source, name, model, fitted, layout);
  };
  const renderOffLoop = async (model: Model, layout: Layout) => {
    const { source, name } = template();
    if (countServers(model) < RENDER.offLoopAboveServers || usesDnsLookups(source)) {
      return render(model, layout);
    }
    const fd = budgetOf(layout);
    options.onFdBudget?.(fd.budget, fd.serverLines);
    const fitted = withFdBudget(settings(model, name), fd.budget);
    try {
      return await offLoop.render(source, name, model, fitted, layout);
    } catch (error) {
      // A worker that cannot be used (not a template error) must not stop the apply.
      if (error instanceof RenderError) throw error;
      return render(model, layout);
    }
  };
  const renderKeys = (kvs: KeyValue[], revision: number): Rendered => {
    const model = buildModel(kvs, modelOptions(config, revision));
    const layout = freshLayout(model, slots);
    return { model, layout, text: render(model, layout) };
  };
  return {
    template,
    settings,
    layoutOptions: slots,
    render,
    renderOffLoop,
    renderKeys,
    async renderKeysSettled(kvs, revision) {
      const rendered = renderKeys(kvs, revision);
      for (let pass = 2; pass <= DNS.settledRenders && dns.pending(); pass++) {
        if (!(await dns.settle())) break;
        rendered.text = render(rendered.model, rendered.layout);
      }
      return rendered;
    },
    dnsPending: () => dns.pending(),
    settleDns: () => dns.settle(),
    refreshDns: () => dns.refresh(),
    check: (file) => checkConfig(haproxy.binary, file, haproxy.checkTimeoutMs),
    fdBudget: budgetOf,
  };
}
