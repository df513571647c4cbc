// The model built change by change: decoded keys kept per key and per service, so a change decodes
// only its keys and rebuilds only the services it touches. Services it does not touch keep their
// objects (later stages skip them by identity). The result equals buildModel on the whole key set
// (test/unit/model/incremental-property.test.ts); a build from the whole set starts it afresh.

import { type BuildModelOptions, hostnameOwners } from "./build.ts";
import { noteServerCount } from "./counts.ts";
import {
  chooseDefault,
  keptService,
  resolveCases,
  serviceRejections,
} from "./incremental-names.ts";
import {
  type Context,
  emptyState,
  type Pass,
  readChange,
  repick,
  type State,
} from "./incremental-state.ts";
import { patchSorted } from "./sorted.ts";
import type { KeyDelta, KeyValue, Model, Rejected, Service } from "./types.ts";

/** A model, and which services differ from the model before it. */
export type ModelUpdate = {
  model: Model;
  /** Services added, removed or changed; undefined after a build from the whole key set. */
  changed: ReadonlySet<string> | undefined;
};

export type IncrementalModel = {
  /** Forgets everything and builds from the whole key set; `retain` as buildModel's. */
  build(kvs: readonly KeyValue[], revision: number, retain: Iterable<string>): ModelUpdate;
  /** Applies key changes (in order) and services newly retained. */
  update(changes: readonly KeyDelta[], revision: number, retain: Iterable<string>): ModelUpdate;
  model(): Model;
};

export function createIncrementalModel(
  options: Omit<BuildModelOptions, "revision">,
): IncrementalModel {
  const overrides = new Map((options.overrides ?? []).map((o) => [o.name, o]));
  const context: Context = {
    options,
    overrides,
    hostnames: hostnameOwners(options.overrides ?? []),
    trustedPrefixes: options.trustedPrefixes ?? [],
  };
  const staticRetain = [...(options.retain ?? [])];
  // Declared and always-kept services exist before any key names them.
  const standing = [...overrides.keys(), ...staticRetain];
  let state = emptyState(0, staticRetain);
  state.model = apply(context, state, { changes: [], revision: 0, retain: [], touch: standing });
  return {
    build(kvs, revision, retain) {
      state = emptyState(revision, staticRetain);
      const changes = kvs.map(({ key, value, createRevision = 0 }) => ({
        key,
        value,
        createRevision,
      }));
      state.model = apply(context, state, {
        changes,
        revision,
        retain,
        touch: standing,
        whole: true,
      });
      return { model: state.model, changed: undefined };
    },
    update(changes, revision, retain) {
      const changed = new Set<string>();
      state.model = apply(context, state, { changes, revision, retain, touch: [] }, changed);
      return { model: state.model, changed };
    },
    model: () => state.model,
  };
}

/** What one pass folds in: key changes, names newly retained, names to settle regardless. */
type PassInput = {
  changes: readonly KeyDelta[];
  revision: number;
  retain: Iterable<string>;
  touch: Iterable<string>;
  /** The state is empty: nothing to forget first. */
  whole?: boolean;
};

/** Folds changes into `state` and returns the new model; `changed` hears services that differ. */
function apply(
  context: Context,
  state: State,
  input: PassInput,
  changed = new Set<string>(),
): Model {
  const pass: Pass = {
    ...{ touched: new Set(input.touch), names: new Map(), keys: new Set(), trusted: new Set() },
    whole: input.whole === true,
  };
  for (const change of input.changes) readChange(context, state, pass, change);
  for (const name of input.retain) {
    if (state.retained.has(name)) continue;
    state.retained.add(name);
    pass.touched.add(name);
  }
  for (const name of pass.touched) repick(state, pass, name);
  resolveCases(context, state, pass);
  for (const name of pass.touched) serviceRejections(state, pass, name);
  const services = new Map<string, Service | undefined>();
  for (const name of pass.touched) {
    const service = keptService(context, state, name);
    const old = state.services.get(name);
    if (service === old) continue;
    state.servers += (service?.servers.length ?? 0) - (old?.servers.length ?? 0);
    if (service) state.services.set(name, service);
    else state.services.delete(name);
    services.set(name, service);
    changed.add(name);
  }
  return assemble(context, state, pass, services, input.revision);
}

/** The new model: lists patched where the pass changed them, the rest shared. */
function assemble(
  context: Context,
  state: State,
  pass: Pass,
  services: Map<string, Service | undefined>,
  revision: number,
): Model {
  const previous = state.model;
  const list = patchSorted(previous.services, services, serviceName, () => [
    ...state.services.values(),
  ]);
  if (list !== previous.services) noteServerCount(list, state.servers);
  const rejections = new Map<string, Rejected | undefined>();
  for (const key of pass.keys) {
    rejections.set(key, state.readRejections.get(key) ?? state.serviceRejections.get(key));
  }
  const rejected = patchSorted(previous.rejected, rejections, rejectionKey, () => [
    ...state.readRejections.values(),
    ...state.serviceRejections.values(),
  ]);
  const model: Model = { revision, services: list, rejected, defaultService: "" };
  model.defaultService = chooseDefault(context, state, pass);
  if (context.trustedPrefixes.length > 0) {
    const trusted = new Map([...pass.trusted].map((key) => [key, state.trusted.get(key)]));
    model.trusted = patchSorted(previous.trusted ?? [], trusted, rejectionKey, () => [
      ...state.trusted.values(),
    ]);
  }
  return model;
}

const serviceName = (service: Service) => service.name;
const rejectionKey = (entry: { key: string }) => entry.key;
