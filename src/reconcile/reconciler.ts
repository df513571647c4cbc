// The reconciler: turns a prepared apply into what HAProxy serves, through runtime API commands or
// a validated reload, and remembers what is served. It never waits or schedules: the apply queue
// decides when it runs, so every write of haproxy.cfg happens inside one queued job.

import type { Applier } from "../apply/applier.ts";
import type { ConfigFile } from "../apply/config-file.ts";
import type { ApplyConfig } from "../config/schema.ts";
import { ApplyError, describeError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { type BuildModelOptions, buildModel } from "../model/build.ts";
import type { Hold } from "../model/guards.ts";
import { freshLayout, type LayoutOptions } from "../model/layout.ts";
import type { Model } from "../model/types.ts";
import type { RenderPipeline } from "../pipeline.ts";
import { filterServerState, newBindAddresses } from "../plan.ts";
import { createStateMachine } from "../state.ts";
import { diffLayouts, opsKey, rendersLayout } from "./layout-ops.ts";
import { fileInLine, prepareApply } from "./prepare.ts";
import {
  type ApplyResult,
  type Desired,
  FAST_PATH_TRANSITIONS,
  type FastPathState,
  type Prepared,
  type Served,
} from "./types.ts";

export type ReconcilerOptions = {
  apply: ApplyConfig;
  pipeline: RenderPipeline;
  applier: Applier;
  file: ConfigFile;
  log: Logger;
  /** Whether HAProxy is running (a runtime update needs it). */
  running: () => boolean;
  modelOptions: (revision: number, retain: Iterable<string>) => BuildModelOptions;
  layoutOptions: LayoutOptions;
  /** Runs runtime API commands; throws when HAProxy refuses one. */
  runCommands: (commands: string[]) => Promise<void>;
  /** `show servers state`, for the server-state-file. */
  dumpServerState: () => Promise<string>;
  serverStateFile: string;
  writeServerState: (path: string, text: string) => void;
  /** Whether a TCP port could be bound now. */
  canBind: (host: string, port: number) => boolean;
};

export type Reconciler = {
  /** Works out what applying `desired` would do, without doing it. */
  prepare(desired: Desired, force?: boolean): Prepared;
  /** Whether a prepared reload should wait `[apply] reload_wait` for more changes first. */
  waitsBeforeReload(prepared: Prepared): boolean;
  /** Makes HAProxy serve `prepared`; throws and keeps the served config when it cannot. */
  execute(prepared: Prepared, force?: boolean): Promise<ApplyResult>;
  /** Brings the config file in line with what HAProxy serves after fast-path updates. Returns
   * false when it cannot, and a forced reload is needed. */
  syncFile(): boolean;
  served(): Model;
  /** The newest model built, with its rejections. */
  latest(): Model;
  holds(): Hold[];
  runtimeUpdates(): number;
  fastPath(): FastPathState;
  /** Whether the config file on disk matches what HAProxy serves (it lags fast-path updates). */
  fileSynced(): boolean;
};

export function createReconciler(options: ReconcilerOptions): Reconciler {
  const { pipeline, applier, file, log } = options;
  const seenServices = new Set<string>();
  const served: Served = {
    model: buildModel([], options.modelOptions(0, [])),
    layout: undefined,
    text: undefined,
    fileLayout: undefined,
    templateKey: "",
    seenServices,
  };
  const fastPath = createStateMachine<FastPathState>("fast path", "cold", FAST_PATH_TRANSITIONS);
  let latest = served.model;
  let holds: Hold[] = [];
  let runtimeUpdates = 0;

  function templateKey(model: Model): string {
    const { source, name } = pipeline.template();
    return JSON.stringify([source, pipeline.settings(model, name)]);
  }

  function prepare(desired: Desired, force = false): Prepared {
    const prepared = prepareApply(served, desired, force, {
      apply: options.apply,
      running: options.running(),
      fastPath: fastPath.current,
      layoutOptions: options.layoutOptions,
      modelOptions: options.modelOptions,
      render: pipeline.render,
      templateKey,
    });
    latest = prepared.desired;
    return prepared;
  }

  /** Writes what HAProxy now serves to the config file and the last good copy. */
  function writeServed(text: string): void {
    file.replace(text);
    file.keepLastGood();
  }

  /** Records what HAProxy now serves; `text` when the file on disk was written to match. */
  function commit(prepared: Prepared, text: string | undefined, next: FastPathState): void {
    served.model = prepared.model;
    served.layout = prepared.layout;
    if (text !== undefined) {
      served.text = text;
      served.fileLayout = prepared.layout;
    }
    served.templateKey = templateKey(prepared.model);
    fastPath.to(next);
    const before = JSON.stringify(holds);
    holds = prepared.holds;
    if (JSON.stringify(holds) !== before) {
      for (const hold of holds) log.warn("guard held back removals", { ...hold });
    }
    for (const service of served.model.services) {
      if (service.servers.length > 0) seenServices.add(service.name);
    }
  }

  async function saveServerState(text: string): Promise<void> {
    try {
      const state = await options.dumpServerState();
      options.writeServerState(options.serverStateFile, filterServerState(state, text));
    } catch (error) {
      // Without a state file HAProxy starts every server fresh: worse, but safe.
      options.writeServerState(options.serverStateFile, "");
      log.warn("cannot save server state before reload", { error: describeError(error) });
    }
  }

  /** HAProxy pauses every listener while it retries a port that is taken: refuse first. */
  function refuseTakenBinds(text: string): void {
    const liveText = served.text ?? file.read();
    if (liveText === undefined) return;
    for (const { host, port } of newBindAddresses(liveText, text)) {
      if (!options.canBind(host, port)) {
        throw new ApplyError(`cannot reload: ${host}:${port} is already in use by another process`);
      }
    }
  }

  async function reload(prepared: Prepared, text: string, force: boolean): Promise<ApplyResult> {
    if (options.running()) {
      refuseTakenBinds(text);
      await saveServerState(text);
    }
    const outcome = await applier.apply(text, force);
    // A template that renders every slot as the layout says takes the fast path from the first
    // server change on.
    commit(prepared, text, rendersLayout(text, prepared.layout) ? "ready" : "unverified");
    return { outcome, revision: prepared.revision, routedAt: performance.now() };
  }

  /** Reloads with a fresh layout: the way back whenever the live state is in doubt. */
  function reloadFresh(prepared: Prepared): Promise<ApplyResult> {
    const layout = freshLayout(prepared.model, options.layoutOptions);
    return reload({ ...prepared, layout }, pipeline.render(prepared.model, layout), true);
  }

  async function runtimeUpdate(prepared: Prepared): Promise<ApplyResult> {
    if (prepared.plan.kind !== "runtime") throw new Error("runtimeUpdate needs a runtime plan");
    const previousLayout = served.layout!;
    try {
      await options.runCommands(prepared.plan.ops.flatMap((op) => op.commands));
    } catch (error) {
      log.warn("runtime update failed; reloading instead", { error: describeError(error) });
      return reloadFresh(prepared);
    }
    const routedAt = performance.now();
    runtimeUpdates += prepared.plan.ops.length;
    if (prepared.text === undefined) {
      // Traffic is routed; the file on disk follows shortly (the apply queue syncs it).
      commit(prepared, undefined, "behind");
    } else {
      // The layout predicted the rendered change exactly: later changes may take the fast path.
      const predicted =
        opsKey(diffLayouts(previousLayout, prepared.layout)) === opsKey(prepared.plan.ops);
      writeServed(prepared.text);
      commit(prepared, prepared.text, predicted ? "ready" : "unverified");
    }
    return { outcome: "runtime", revision: prepared.revision, routedAt };
  }

  return {
    prepare,
    waitsBeforeReload: (prepared) =>
      prepared.plan.kind === "reload" && served.text !== undefined && options.running(),
    async execute(prepared, force = false) {
      const { plan } = prepared;
      if (plan.kind === "reload") {
        log.info("reloading haproxy", { why: plan.reasons.join("; ") });
        return reload(prepared, prepared.text!, force);
      }
      if (prepared.catchUp !== undefined && plan.kind === "none") {
        writeServed(prepared.catchUp);
        commit(prepared, prepared.catchUp, "ready");
        return { outcome: "unchanged", revision: prepared.revision, routedAt: undefined };
      }
      if (plan.kind === "none") {
        commit(prepared, undefined, fastPath.current);
        return { outcome: "unchanged", revision: prepared.revision, routedAt: undefined };
      }
      return runtimeUpdate(prepared);
    },
    syncFile() {
      if (!fastPath.is("behind")) return !fastPath.is("broken");
      const text = fileInLine(served, fastPath.current);
      if (text === undefined) {
        log.warn("the config file lacks a server slot that HAProxy has; reloading to be sure");
        fastPath.to("broken");
        return false;
      }
      writeServed(text);
      served.text = text;
      served.fileLayout = served.layout;
      fastPath.to("ready");
      return true;
    },
    served: () => served.model,
    latest: () => latest,
    holds: () => holds,
    runtimeUpdates: () => runtimeUpdates,
    fastPath: () => fastPath.current,
    fileSynced: () => !fastPath.is("behind", "broken"),
  };
}
