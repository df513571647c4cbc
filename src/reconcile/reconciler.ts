// The reconciler: turns a prepared apply into what HAProxy serves, through runtime API commands or
// a validated reload, and remembers what is served. It never waits or schedules: the apply queue
// decides when it runs, so every write of haproxy.cfg happens inside one queued job.

import type { Applier } from "../apply/applier.ts";
import type { ConfigFile } from "../apply/config-file.ts";
import type { ApplyConfig } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import { type BuildModelOptions, buildModel } from "../model/build.ts";
import type { Hold } from "../model/guards.ts";
import type { Layout, LayoutOptions } from "../model/layout.ts";
import type { KeyValue, Model } from "../model/types.ts";
import type { RenderPipeline } from "../pipeline.ts";
import { type ExecuteSteps, executePrepared } from "./execute.ts";
import { createModelSource } from "./model-source.ts";
import { fileInLine, type PrepareContext, prepareApply, preparePartial } from "./prepare.ts";
import { createSlotPressure } from "./pressure.ts";
import { createServedState } from "./served-state.ts";
import type { ApplyResult, Desired, FastPathState, Prepared } from "./types.ts";

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
  /** Works out what applying `desired` would do, without doing it (a large model renders off
   * the event loop meanwhile). `force`: a reload whatever changed; a list of reasons is a
   * background reload's (see `backgroundReload`). */
  prepare(desired: Desired, force?: boolean | readonly string[]): Promise<Prepared>;
  /** Why a background reload is wanted now: backends whose slots ran low, or whose servers were
   * added at runtime and wait for slots; [] when none is. The apply cycle schedules one, paced,
   * after each job. */
  backgroundReload(): string[];
  /** While a reload waits: what of `desired` the runtime API can serve now (membership changes
   * of services the reload does not restructure); undefined when nothing. Call `digest` first. */
  preparePartial(desired: Desired): Prepared | undefined;
  /** Folds a large batch of changes into the model a slice at a time, yielding between, so the
   * build of the next prepare has little left (prepare does it itself). */
  digest(desired: Desired): Promise<void>;
  /** Whether a prepared reload should wait `[apply] reload_wait` for more changes first. */
  waitsBeforeReload(prepared: Prepared): boolean;
  /** Makes HAProxy serve `prepared`; throws and keeps the served config when it cannot. */
  execute(prepared: Prepared, force?: boolean): Promise<ApplyResult>;
  /** Brings the config file in line with what HAProxy serves after fast-path updates. Returns
   * false when it cannot, and a forced reload is needed. */
  syncFile(): boolean;
  served(): Model;
  /** The slot layout HAProxy serves (which server is in which slot); undefined before any. */
  layout(): Layout | undefined;
  /** The newest model built, with its rejections. */
  latest(): Model;
  holds(): Hold[];
  runtimeUpdates(): number;
  fastPath(): FastPathState;
  /** Whether the config file on disk matches what HAProxy serves (it lags fast-path updates). */
  fileSynced(): boolean;
};

export function createReconciler(options: ReconcilerOptions): Reconciler {
  const { pipeline, file, log } = options;
  const state = createServedState(buildModel([], options.modelOptions(0, [])), log);
  const { served, fastPath } = state;
  const models = createModelSource({ modelOptions: options.modelOptions, log });
  let latest = served.model;
  const counters = { runtimeUpdates: 0 };
  const templateKey = createTemplateKey(pipeline);
  const steps: ExecuteSteps = {
    ...{ options, state, counters, templateKey },
    writeServed(text) {
      file.replace(text);
      file.keepLastGood();
    },
  };
  const pressure = createSlotPressure();
  const context = (): PrepareContext => ({
    apply: options.apply,
    running: options.running(),
    fastPath: fastPath.current(),
    layoutOptions: options.layoutOptions,
    modelOptions: options.modelOptions,
    build: (desired) => models.build(desired, state.seen(), state.holds()),
    render: pipeline.renderOffLoop,
    templateKey,
  });

  async function prepare(
    desired: Desired,
    force: boolean | readonly string[] = false,
  ): Promise<Prepared> {
    await models.digest(desired, state.seen());
    const prepared = await prepareApply(served, desired, force, context());
    latest = prepared.desired;
    return prepared;
  }

  return {
    prepare,
    preparePartial: (desired) => preparePartial(served, desired, context()),
    digest: (desired) => models.digest(desired, state.seen()),
    waitsBeforeReload: (prepared) =>
      prepared.plan.kind === "reload" && served.text !== undefined && options.running(),
    async execute(prepared, force = false) {
      try {
        const result = await executePrepared(steps, prepared, force);
        if (prepared.build !== undefined) models.committed(prepared.build);
        const whole = prepared.plan.kind === "reload" || prepared.changed === undefined;
        pressure.update(served.layout, whole ? undefined : prepared.changed);
        return result;
      } catch (error) {
        // What HAProxy serves is in doubt: the next model is built whole.
        models.doubt();
        throw error;
      }
    },
    syncFile() {
      if (!fastPath.is("behind")) return !fastPath.is("broken");
      const text = fileInLine(served, fastPath.current());
      if (text === undefined) {
        log.warn("the config file lacks a server slot that HAProxy has; reloading to be sure");
        fastPath.moveTo("broken");
        return false;
      }
      steps.writeServed(text);
      state.fileCaughtUp(text);
      return true;
    },
    backgroundReload: pressure.reasons,
    served: () => served.model,
    layout: () => served.layout,
    latest: () => latest,
    holds: state.holds,
    runtimeUpdates: () => counters.runtimeUpdates,
    fastPath: () => fastPath.current(),
    fileSynced: () => !fastPath.is("behind", "broken"),
  };
}

/**
 * What identifies the template source and settings a model would be rendered with. The trusted
 * keys are written out once per list (the model keeps the list while none of them changes), so
 * nothing is serialised per server.
 */
function createTemplateKey(pipeline: RenderPipeline): (model: Model) => string {
  const trustedText = new WeakMap<readonly KeyValue[], string>();
  return (model) => {
    const { source, name } = pipeline.template();
    const { rawEntries, ...settings } = pipeline.settings(model, name);
    let trusted = rawEntries && trustedText.get(rawEntries);
    if (rawEntries && trusted === undefined) {
      trusted = JSON.stringify(rawEntries);
      trustedText.set(rawEntries, trusted);
    }
    return JSON.stringify([source, settings, trusted ?? null]);
  };
}
