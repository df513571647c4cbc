// Deciding what an apply does: build the model, apply the guards, place servers in slots, and
// choose between the fast path, runtime commands from a rendered diff, and a reload. Pure: the
// template, the clock and HAProxy are reached only through the context.

import type { ApplyConfig } from "../config/schema.ts";
import { type BuildModelOptions, buildModel } from "../model/build.ts";
import { applyGuards } from "../model/guards.ts";
import { freshLayout, type Layout, type LayoutOptions, updateLayout } from "../model/layout.ts";
import { lookupService } from "../model/sorted.ts";
import type { Model } from "../model/types.ts";
import { patchServerLines } from "../patch-lines.ts";
import { planConfig } from "../plan.ts";
import { yieldToLoop } from "../yield-to-loop.ts";
import { addOptionsFrom } from "./add-options.ts";
import { type AddOptions, changedLines, diffLayouts, sameStructure } from "./layout-ops.ts";
import type { BuiltModel } from "./model-source.ts";
import { partialUpdate } from "./partial.ts";
import type { Desired, FastPathState, Prepared, Served } from "./types.ts";

export type PrepareContext = {
  apply: Pick<ApplyConfig, "runtimeApi" | "allowEmpty" | "maxDropPercent">;
  /** Whether HAProxy is running (a runtime update needs it). */
  running: boolean;
  fastPath: FastPathState;
  layoutOptions: LayoutOptions;
  modelOptions(revision: number, retain: Iterable<string>): BuildModelOptions;
  /** Builds the desired model (change by change: model-source.ts); without, buildModel on the
   * whole key set, every service counting as changed. */
  build?(desired: Desired, served: Served): BuiltModel;
  /** Renders off the event loop when it can (a large model). */
  render(model: Model, layout: Layout): string | Promise<string>;
  /** Identifies the template source and settings a model would be rendered with. */
  templateKey(model: Model): string;
};

/** The desired model after the guards, and which services differ from what is served. */
function buildGuarded(served: Served, desired: Desired, context: PrepareContext) {
  const source = context.build?.(desired, served) ?? {
    model: buildModel(desired.kvs, context.modelOptions(desired.revision, served.seenServices)),
    changed: undefined,
    build: undefined,
  };
  const built = keepDefaultService(served.model, source.model);
  const guarded =
    served.text === undefined
      ? { model: built, holds: [] }
      : applyGuards(served.model, built, context.apply, source.changed);
  // From here on only services that differ from what is served are visited.
  const changed = source.changed && differing(served.model, guarded.model, source.changed);
  const base = {
    ...{ revision: desired.revision, desired: built, ...guarded, catchUp: undefined },
    ...(changed ? { changed } : {}),
    ...(source.build !== undefined ? { build: source.build } : {}),
  };
  return { guarded, changed, base };
}

/** Whether the fast path may serve `model`'s server changes through the runtime API. */
function fastPathOpen(served: Served, model: Model, context: PrepareContext): boolean {
  return (
    context.apply.runtimeApi &&
    context.running &&
    (context.fastPath === "ready" || context.fastPath === "behind") &&
    context.templateKey(model) === served.templateKey
  );
}

/**
 * While a reload waits: what of `desired` the runtime API can serve now (the services whose
 * change is membership only), or undefined when nothing.
 */
export function preparePartial(
  served: Served,
  desired: Desired,
  context: PrepareContext,
): Prepared | undefined {
  if (served.text === undefined || !served.layout || !context.running) return undefined;
  const { guarded, changed, base } = buildGuarded(served, desired, context);
  if (!changed || !context.apply.runtimeApi) return undefined;
  if (context.fastPath !== "ready" && context.fastPath !== "behind") return undefined;
  const partialContext = { ...context, addOptions: addOptionsFor(served.text) };
  return partialUpdate(served, { ...base, model: guarded.model }, changed, partialContext);
}

/** Works out what applying `desired` over `served` would do, without doing it. */
export async function prepareApply(
  served: Served,
  desired: Desired,
  force: boolean | readonly string[],
  context: PrepareContext,
): Promise<Prepared> {
  const { guarded, changed, base } = buildGuarded(served, desired, context);
  // A reload's steps each walk the whole model: the loop gets a turn between them.
  const reload = async (reasons: string[]): Promise<Prepared> => {
    await yieldToLoop();
    const layout = freshLayout(guarded.model, context.layoutOptions, served.layout);
    await yieldToLoop();
    const text = await context.render(guarded.model, layout);
    await yieldToLoop();
    return { ...base, layout, text, plan: { kind: "reload", reasons } };
  };
  if (served.text === undefined || !served.layout || !context.running || force !== false) {
    return reload(reloadReasons(force, context.running));
  }
  // Fast path: only servers changed, in slots the template is known to render as the layout
  // says. The commands come from the layout (a burst that finds no free slot takes dynamic ones:
  // `add server`); rendering waits until traffic is routed.
  const fast = fastPathOpen(served, guarded.model, context);
  const options = context.layoutOptions;
  const dynamicLayout = fast && updateLayout(served.layout, guarded.model, options, changed, true);
  if (
    dynamicLayout &&
    sameStructure(served.model, guarded.model, served.layout, dynamicLayout, changed)
  ) {
    const adds = addOptionsFor(served.text);
    const { ops, reasons } = diffLayouts(served.layout, dynamicLayout, changed, adds);
    // What the runtime API cannot express is never dropped: it takes a reload, which says why.
    if (reasons.length > 0) return reload(reasons);
    const plan = ops.length > 0 ? ({ kind: "runtime", ops } as const) : ({ kind: "none" } as const);
    return { ...base, layout: dynamicLayout, text: undefined, plan };
  }
  // A rendered change: new servers that find no slot take new server lines (a reload).
  const layout = updateLayout(served.layout, guarded.model, options, changed);
  const inLine = fileInLine(served, context.fastPath);
  if (inLine === undefined)
    return reload(["the config file could not be brought in line with HAProxy"]);
  await yieldToLoop();
  const text = await context.render(guarded.model, layout);
  await yieldToLoop();
  const plan = planConfig(inLine, text);
  const catchUp = inLine === served.text ? undefined : inLine;
  if (plan.kind === "none" || (plan.kind === "runtime" && context.apply.runtimeApi)) {
    return { ...base, layout, text, catchUp, plan };
  }
  if (plan.kind === "runtime")
    return reload(["runtime API disabled ([apply] runtime_api = false)"]);
  return reload(plan.reasons);
}

function reloadReasons(force: boolean | readonly string[], running: boolean): string[] {
  if (typeof force !== "boolean") return [...force];
  if (force) return ["reload requested"];
  return [running ? "first apply" : "haproxy is not running"];
}

/** The add options of the served config, worked out once per config text. */
let addOptionsCache: { text: string; options: AddOptions } | undefined;
function addOptionsFor(text: string): AddOptions {
  if (addOptionsCache?.text !== text) addOptionsCache = { text, options: addOptionsFrom(text) };
  return addOptionsCache.options;
}

/**
 * The config file as HAProxy serves it: the file itself, or, while it is behind the fast path,
 * the file with the changed server lines rewritten (no render at 10,000 servers). Undefined when
 * the file lacks a slot HAProxy has.
 */
export function fileInLine(served: Served, fastPath: FastPathState): string | undefined {
  if (fastPath === "broken") return undefined;
  if (fastPath !== "behind" || !served.layout || !served.fileLayout) return served.text;
  if (served.text === undefined) return undefined;
  return patchServerLines(served.text, changedLines(served.fileLayout, served.layout));
}

/**
 * The default backend stays where it is while its service exists (an empty backend kept for a
 * service that had servers counts): a service re-registered on a new lease becomes the youngest,
 * and must not hand unmatched Host headers to another.
 */
function keepDefaultService(served: Model, built: Model): Model {
  const previous = served.defaultService;
  if (!previous || built.defaultService === previous) return built;
  if (!lookupService(built, previous)) return built;
  return { ...built, defaultService: previous };
}

/** Of `names`, those whose service is not the same object in both models. */
function differing(served: Model, next: Model, names: ReadonlySet<string>): Set<string> {
  const differ = new Set<string>();
  for (const name of names) {
    if (lookupService(served, name) !== lookupService(next, name)) differ.add(name);
  }
  return differ;
}
