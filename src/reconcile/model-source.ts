// Where the reconciler's models come from: built change by change from the desired store's log,
// or whole (at start, after a listing, after an apply failed, when the log has a gap), and every
// so often both, compared (the level-triggered way back). Also which services may differ from
// what is served, so the later stages visit only those.

import type { Logger } from "../log.ts";
import { type BuildModelOptions, buildModel, countServers } from "../model/build.ts";
import type { Hold } from "../model/guards.ts";
import { createIncrementalModel, type ModelUpdate } from "../model/incremental.ts";
import type { KeyDelta, Model } from "../model/types.ts";
import { MODEL } from "../tunables.ts";
import { yieldToLoop } from "../yield-to-loop.ts";
import type { Desired } from "./types.ts";

/** A model for the next apply, and the services that may differ from those served. */
export type BuiltModel = {
  model: Model;
  /** Services that may differ from the served model's; undefined: any of them. */
  changed: ReadonlySet<string> | undefined;
  /** Which build it was, for `committed`. */
  build: number;
};

/** The services served so far with servers, in the order first seen (served-state.ts). */
export type SeenServices = { set: ReadonlySet<string>; order: readonly string[] };

export type ModelSource = {
  /** The model of `desired`; `holds` are the removals held back in what is served. */
  build(desired: Desired, seen: SeenServices, holds: readonly Hold[]): BuiltModel;
  /** Folds the changes a build of `desired` would take in now, a slice at a time with a turn
   * for the event loop between slices; the build then has only the rest to do. */
  digest(desired: Desired, seen: SeenServices): Promise<void>;
  /** What build `build` made is now served. */
  committed(build: number): void;
  /** The served state is in doubt (an apply failed): the next build is whole. */
  doubt(): void;
};

export type ModelSourceOptions = {
  modelOptions(revision: number, retain: Iterable<string>): BuildModelOptions;
  log: Logger;
  /** Builds from changes between two compared with a whole one (at least as many as there are
   * keys); default MODEL.fullBuildEvery. */
  checkEvery?: number;
};

/** Whether `model` (built from changes) is the one the whole key set of `desired` gives; a
 * difference is logged. */
function agreesWithWhole(
  model: Model,
  desired: Desired,
  seen: SeenServices,
  options: ModelSourceOptions,
): boolean {
  const full = buildModel(desired.kvs, options.modelOptions(desired.revision, seen.set));
  if (Bun.deepEquals(model, full)) return true;
  options.log.warn(
    "the model built from changes differs from the whole key set's; using the whole one",
    { revision: desired.revision },
  );
  return false;
}

export function createModelSource(options: ModelSourceOptions): ModelSource {
  const checkEvery = options.checkEvery ?? MODEL.fullBuildEvery;
  const incremental = createIncrementalModel(options.modelOptions(0, []));
  let position: number | undefined;
  let seenTaken = 0;
  let builds = 0;
  let sinceWhole = 0;
  // Services changed since the served build; undefined: not known (all may differ).
  let dirty: Set<string> | undefined;

  function whole(desired: Desired, seen: SeenServices): ModelUpdate {
    sinceWhole = 0;
    seenTaken = seen.order.length;
    return incremental.build(desired.kvs, desired.revision, seen.set);
  }

  /** Folds `changes` in; the services seen since the last fold are retained. */
  function fold(changes: readonly KeyDelta[], revision: number, seen: SeenServices) {
    const fresh = seen.order.slice(seenTaken);
    seenTaken = seen.order.length;
    return incremental.update(changes, revision, fresh);
  }

  /** A build from changes, checked against a whole one now and then. */
  function fromChanges(
    desired: Desired,
    seen: SeenServices,
    changes: readonly KeyDelta[],
  ): ModelUpdate {
    const update = fold(changes, desired.revision, seen);
    // A whole build costs one per key: at most once per as many builds, so a change stays cheap.
    const keys = countServers(update.model) + update.model.rejected.length;
    if (++sinceWhole < Math.max(checkEvery, keys)) return update;
    sinceWhole = 0;
    return agreesWithWhole(update.model, desired, seen, options) ? update : whole(desired, seen);
  }

  /** Marks what an update changed as differing from what is served. */
  function note(update: ModelUpdate): void {
    if (update.changed === undefined) dirty = undefined;
    else if (dirty !== undefined) for (const name of update.changed) dirty.add(name);
  }

  return {
    async digest(desired, seen) {
      const from = position;
      if (from === undefined || seen.order.length < seenTaken) return;
      const changes = desired.log?.since(from) ?? [];
      const step = MODEL.digestSlice;
      // A build that comes in meanwhile starts after what is folded in: the digest stops there.
      for (let at = 0; at + step < changes.length && position === from + at; at += step) {
        note(fold(changes.slice(at, at + step), desired.revision, seen));
        position = from + at + step;
        await yieldToLoop();
      }
    },
    build(desired, seen, holds) {
      builds++;
      const changes = position === undefined ? undefined : desired.log?.since(position);
      position = desired.log?.position;
      const update =
        changes === undefined || seen.order.length < seenTaken
          ? whole(desired, seen)
          : fromChanges(desired, seen, changes);
      note(update);
      // A held service differs from what is desired: it is looked at again at every apply.
      const changed = dirty && new Set([...dirty, ...holds.map((hold) => hold.service)]);
      return { model: update.model, changed, build: builds };
    },
    committed(build) {
      if (build === builds) dirty = new Set();
    },
    doubt() {
      position = undefined;
      dirty = undefined;
    },
  };
}
