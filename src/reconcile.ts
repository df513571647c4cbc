// The reconciler: turns the newest etcd state into what HAProxy serves. It builds the model,
// applies the guards, places servers in slots, renders, plans, and then either sends runtime API
// commands or validates and reloads. It remembers what is being served.

import { copyFileSync, existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { Applier } from "./apply.ts";
import type { SluiceConfig } from "./config/schema.ts";
import { ApplyError, describeError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { buildModel } from "./model/build.ts";
import { applyGuards, type Hold } from "./model/guards.ts";
import { freshLayout, type Layout, type Slot, updateLayout } from "./model/layout.ts";
import type { KeyValue, Model } from "./model/types.ts";
import {
  filterServerState,
  newBindAddresses,
  type Plan,
  parseSections,
  patchServerLines,
  planConfig,
  planServer,
  type RuntimeOp,
  type ServerLine,
} from "./plan.ts";
import type { Renderer } from "./render/render.ts";

export type ReconcilerOptions = {
  config: SluiceConfig;
  applier: Applier;
  renderer: Renderer;
  log: Logger;
  /** Whether HAProxy is running (a runtime update needs it). */
  running: () => boolean;
  /** Template source and its name for messages. */
  loadTemplate: () => { source: string; name: string };
  settings: (model: Model, templateName: string) => Parameters<Renderer["render"]>[3];
  modelOptions: (revision: number, retain: Iterable<string>) => Parameters<typeof buildModel>[1];
  layoutOptions: Parameters<typeof freshLayout>[1];
  /** Runs runtime API commands; throws when HAProxy refuses one. */
  runCommands: (commands: string[]) => Promise<void>;
  /** `show servers state`, for the server-state-file. */
  dumpServerState: () => Promise<string>;
  serverStateFile: string;
  /** Whether a TCP port could be bound now. */
  canBind: (host: string, port: number) => boolean;
  /** Asks for a forced apply (a reload), when the file and HAProxy may disagree. */
  requestReload: () => void;
};

export type Outcome = "unchanged" | "runtime" | "started" | "reloaded";

/** What the next apply would do, for `/v1/plan` and the log. */
export type Prepared = {
  model: Model;
  holds: Hold[];
  layout: Layout;
  /** The rendered config; absent on the fast path, which renders after routing. */
  text: string | undefined;
  plan: Plan;
};

export type Reconciler = {
  /** Works out what applying `kvs` at `revision` would do, without doing it. */
  prepare(kvs: KeyValue[], revision: number, force?: boolean): Prepared;
  /**
   * Applies the state `current()` returns; throws and keeps the served config when it cannot.
   * A reload first waits `[apply] reload_wait` and reads the state again, so a burst of
   * structural changes costs one reload.
   */
  apply(current: () => { kvs: KeyValue[]; revision: number }, force: boolean): Promise<Outcome>;
  /** The model behind the served config (before any apply: an empty one). */
  served(): Model;
  /** The newest model built, with its rejections. */
  latest(): Model;
  holds(): Hold[];
  runtimeUpdates(): number;
  /** The etcd revision of the state the last apply used. */
  appliedRevision(): number;
  /** Starts HAProxy on the last good config, if there is one. */
  startFromLastGood(): Promise<boolean>;
  /** When (performance.now()) the last apply had HAProxy routing the new state. */
  lastRoutedAt(): number;
  /** Whether the config file on disk matches what HAProxy serves (it lags fast-path updates). */
  fileSynced(): boolean;
};

export function createReconciler(options: ReconcilerOptions): Reconciler {
  const { config, applier, renderer, log } = options;
  const haproxy = config.haproxy!;
  let served: Model = buildModel([], options.modelOptions(0, []));
  let latest: Model = served;
  /** The config file on disk, and the layout it was rendered from. */
  let servedText: string | undefined;
  let syncedLayout: Layout | undefined;
  /** The layout live in HAProxy; ahead of `syncedLayout` until the file is synced. */
  let servedLayout: Layout | undefined;
  let syncTimer: ReturnType<typeof setTimeout> | undefined;
  let dirtySince: number | undefined;
  let holds: Hold[] = [];
  let runtimeUpdates = 0;
  let appliedRevision = 0;
  let routedAt = 0;
  /** Services seen with servers: kept as empty backends (503) when their keys go away. */
  const seenServices = new Set<string>();

  function readServedFile(): string | undefined {
    return existsSync(haproxy.config) ? readFileSync(haproxy.config, "utf8") : undefined;
  }

  function writeServed(text: string): void {
    const staged = `${haproxy.config}.staged`;
    writeFileSync(staged, text, { mode: 0o640 });
    renameSync(staged, haproxy.config);
    copyFileSync(haproxy.config, applier.lastGoodPath);
  }

  /** Template source and settings of the served config: the fast path needs them unchanged. */
  let servedTemplateKey = "";
  /** Whether the template renders slots the way the layout predicts (checked, never assumed). */
  let slotAware = false;

  function templateKey(model: Model): { key: string; source: string; name: string } {
    const { source, name } = options.loadTemplate();
    return { key: JSON.stringify([source, options.settings(model, name)]), source, name };
  }

  function renderFor(model: Model, layout: Layout): string {
    const { source, name } = options.loadTemplate();
    return renderer.render(source, name, model, options.settings(model, name), layout);
  }

  function prepare(kvs: KeyValue[], revision: number, force = false): Prepared {
    const desired = buildModel(kvs, options.modelOptions(revision, seenServices));
    latest = desired;
    const guarded =
      servedText === undefined
        ? { model: desired, holds: [] }
        : applyGuards(served, desired, config.apply);
    const base = { model: guarded.model, holds: guarded.holds };
    const fresh = (reasons: string[]): Prepared => {
      const layout = freshLayout(guarded.model, options.layoutOptions);
      return {
        ...base,
        layout,
        text: renderFor(guarded.model, layout),
        plan: { kind: "reload", reasons },
      };
    };
    if (servedText === undefined || !servedLayout || !options.running() || force) {
      return fresh([
        force ? "reload requested" : options.running() ? "first apply" : "haproxy is not running",
      ]);
    }
    const layout = updateLayout(servedLayout, guarded.model, options.layoutOptions);
    // Fast path: only servers changed, in slots the template is known to render as the layout
    // says. The commands come from the layout; rendering waits until traffic is routed.
    const template = templateKey(guarded.model);
    if (
      config.apply.runtimeApi &&
      slotAware &&
      template.key === servedTemplateKey &&
      sameStructure(served, guarded.model, servedLayout, layout)
    ) {
      const ops = diffLayouts(servedLayout, layout);
      return {
        ...base,
        layout,
        text: undefined,
        plan: ops.length > 0 ? { kind: "runtime", ops } : { kind: "none" },
      };
    }
    if (!flushSync()) return fresh(["the config file could not be brought in line with HAProxy"]);
    const text = renderFor(guarded.model, layout);
    const plan = planConfig(servedText, text);
    if (plan.kind === "none" || (plan.kind === "runtime" && config.apply.runtimeApi)) {
      return { ...base, layout, text, plan };
    }
    if (plan.kind === "runtime")
      return fresh(["runtime API disabled ([apply] runtime_api = false)"]);
    return fresh(plan.reasons);
  }

  async function saveServerState(text: string): Promise<void> {
    try {
      const state = await options.dumpServerState();
      writeFileSync(options.serverStateFile, filterServerState(state, text));
    } catch (error) {
      // Without a state file HAProxy starts every server fresh: worse, but safe.
      writeFileSync(options.serverStateFile, "");
      log.warn("cannot save server state before reload", { error: describeError(error) });
    }
  }

  /** Records what HAProxy now serves; `text` when the file on disk was written to match. */
  function commit(prepared: Prepared, text: string | undefined): void {
    served = prepared.model;
    servedLayout = prepared.layout;
    if (text !== undefined) {
      servedText = text;
      syncedLayout = prepared.layout;
      dirtySince = undefined;
      if (syncTimer) clearTimeout(syncTimer);
      syncTimer = undefined;
    }
    servedTemplateKey = templateKey(prepared.model).key;
    const before = JSON.stringify(holds);
    holds = prepared.holds;
    if (JSON.stringify(holds) !== before) {
      for (const hold of holds) log.warn("guard held back removals", { ...hold });
    }
    for (const service of served.services) {
      if (service.servers.length > 0) seenServices.add(service.name);
    }
  }

  /**
   * Renders what HAProxy serves into the config file, after fast-path updates. The rendered change
   * must be exactly the one the layout predicted; otherwise returns false and the caller reloads.
   */
  function flushSync(): boolean {
    if (dirtySince === undefined || !servedLayout || !syncedLayout || servedText === undefined)
      return true;
    // The template was seen to render slots as the layout says (slotAware), so the file is
    // brought up to date by rewriting just the changed server lines: no render at 10,000 servers.
    const text = patchServerLines(servedText, changedLines(syncedLayout, servedLayout));
    if (text === undefined) {
      log.warn("the config file lacks a server slot that HAProxy has; reloading to be sure");
      slotAware = false;
      return false;
    }
    writeServed(text);
    servedText = text;
    syncedLayout = servedLayout;
    dirtySince = undefined;
    return true;
  }

  /** Syncs the file once fast-path updates pause (50 ms), and at least every 500 ms. */
  function scheduleSync(): void {
    const now = performance.now();
    dirtySince ??= now;
    if (syncTimer) clearTimeout(syncTimer);
    const delay = Math.max(0, Math.min(50, dirtySince + 500 - now));
    syncTimer = setTimeout(() => {
      syncTimer = undefined;
      if (!flushSync()) options.requestReload();
      // Each change of a large model leaves thousands of objects behind; collect them while
      // quiet rather than let the heap grow (10,000 servers: ~100 MB instead of 200+).
      if (served.services.some((service) => service.servers.length > 1000)) Bun.gc(true);
    }, delay);
  }

  async function reload(prepared: Prepared, text: string, force: boolean): Promise<Outcome> {
    const liveText = servedText ?? (options.running() ? readServedFile() : undefined);
    if (options.running() && liveText !== undefined) {
      // HAProxy pauses every listener while it retries a port that is taken: refuse first.
      for (const { host, port } of newBindAddresses(liveText, text)) {
        if (!options.canBind(host, port)) {
          throw new ApplyError(
            `cannot reload: ${host}:${port} is already in use by another process`,
          );
        }
      }
    }
    if (options.running()) await saveServerState(text);
    const outcome = await applier.apply(text, force);
    routedAt = performance.now();
    commit(prepared, text);
    // A template that renders every slot as the layout says can take the fast path from the
    // first server change on.
    slotAware = rendersLayout(text, prepared.layout);
    return outcome;
  }

  /** Reloads with a fresh layout: the way back whenever the live state is in doubt. */
  function reloadFresh(prepared: Prepared): Promise<Outcome> {
    const layout = freshLayout(prepared.model, options.layoutOptions);
    return reload({ ...prepared, layout }, renderFor(prepared.model, layout), true);
  }

  return {
    prepare,
    async apply(current, force) {
      let state = current();
      let prepared = prepare(state.kvs, state.revision, force);
      if (
        prepared.plan.kind === "reload" &&
        !force &&
        servedText !== undefined &&
        options.running()
      ) {
        await new Promise((resolve) => setTimeout(resolve, config.apply.reloadWaitMs));
        state = current();
        prepared = prepare(state.kvs, state.revision, force);
      }
      appliedRevision = state.revision;
      const { plan } = prepared;
      if (plan.kind === "reload") {
        log.info("reloading haproxy", { why: plan.reasons.join("; ") });
        return reload(prepared, prepared.text!, force);
      }
      const previousLayout = servedLayout!;
      if (plan.kind === "none") {
        commit(prepared, undefined);
        return "unchanged";
      }
      try {
        await options.runCommands(plan.ops.flatMap((op) => op.commands));
      } catch (error) {
        log.warn("runtime update failed; reloading instead", { error: describeError(error) });
        slotAware = false;
        return reloadFresh(prepared);
      }
      routedAt = performance.now();
      runtimeUpdates += plan.ops.length;
      if (prepared.text === undefined) {
        // Traffic is routed; the file on disk follows shortly (scheduleSync).
        commit(prepared, undefined);
        scheduleSync();
      } else {
        // The layout predicted the rendered change exactly: later changes may take the fast path.
        slotAware = opsKey(diffLayouts(previousLayout, prepared.layout)) === opsKey(plan.ops);
        writeServed(prepared.text);
        commit(prepared, prepared.text);
      }
      return "runtime";
    },
    served: () => served,
    latest: () => latest,
    holds: () => holds,
    runtimeUpdates: () => runtimeUpdates,
    appliedRevision: () => appliedRevision,
    lastRoutedAt: () => routedAt,
    fileSynced: () => dirtySince === undefined,
    async startFromLastGood() {
      return applier.startFromLastGood();
    },
  };
}

/** Ops compared as a set: the config lists servers in another order than the slots. */
function opsKey(ops: RuntimeOp[]): string {
  return ops
    .map((op) => `${op.backend}/${op.server}: ${op.commands.join("; ")}`)
    .sort()
    .join("\n");
}

/** Same services with the same settings and the same slot names: only servers changed. */
function sameStructure(served: Model, next: Model, before: Layout, after: Layout): boolean {
  if (served.services.length !== next.services.length) return false;
  return next.services.every((service, index) => {
    const old = served.services[index]!;
    if (old.name !== service.name || old.balance !== service.balance) return false;
    if (old.hostnames.join(" ") !== service.hostnames.join(" ")) return false;
    const a = before.get(service.name) ?? [];
    const b = after.get(service.name) ?? [];
    return a.length === b.length && a.every((slot, i) => slot.name === b[i]!.name);
  });
}

function slotLine(slot: Slot): ServerLine {
  const server = slot.server;
  if (!server) return { address: "0.0.0.0:0", weight: 1, disabled: true, rest: "" };
  return {
    address: server.address,
    weight: server.drain ? 0 : server.weight,
    disabled: false,
    rest: "",
  };
}

/** Whether `text` has, for every slot of `layout`, exactly the server line the slot implies. */
export function rendersLayout(text: string, layout: Layout): boolean {
  const sections = new Map(
    parseSections(text).map((section) => [section.header.split(/\s+/)[1] ?? "", section]),
  );
  for (const [service, slots] of layout) {
    const servers = sections.get(service)?.servers;
    if (!servers || servers.size !== slots.length) return false;
    for (const slot of slots) {
      const line = servers.get(slot.name);
      const want = slotLine(slot);
      if (!line || line.disabled !== want.disabled || line.weight !== want.weight) return false;
      if (!want.disabled && line.address !== want.address) return false;
    }
  }
  return true;
}

/** The desired server line of every slot that differs between two layouts (same slot names). */
function changedLines(before: Layout, after: Layout): Map<string, ServerLine> {
  const changes = new Map<string, ServerLine>();
  for (const [service, slots] of after) {
    const old = before.get(service) ?? [];
    slots.forEach((slot, index) => {
      const previous = old[index];
      // The memoizing decoder returns the same object for an unchanged registration.
      if (!previous || previous.server === slot.server) return;
      const a = slotLine(previous);
      const b = slotLine(slot);
      if (a.address !== b.address || a.weight !== b.weight || a.disabled !== b.disabled) {
        changes.set(`${service}/${slot.name}`, b);
      }
    });
  }
  return changes;
}

/** Runtime commands that turn the slots of `before` into those of `after` (same slot names). */
export function diffLayouts(before: Layout, after: Layout): RuntimeOp[] {
  const ops: RuntimeOp[] = [];
  for (const [service, slots] of after) {
    const old = before.get(service) ?? [];
    slots.forEach((slot, index) => {
      const previous = old[index];
      if (!previous || previous.server === slot.server) return;
      const op = planServer(service, slot.name, slotLine(previous), slotLine(slot));
      if (typeof op !== "string" && op.commands.length > 0) ops.push(op);
    });
  }
  return ops;
}
