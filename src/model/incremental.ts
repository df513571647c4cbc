// The model built change by change: decoded keys kept per key and per service, so a change decodes
// only its keys and rebuilds only the services it touches. Services it does not touch keep their
// objects (later stages skip them by identity). The result equals buildModel on the whole key set
// (test/unit/model/incremental-property.test.ts); a build from the whole set starts it afresh.

import type { ServiceOverride } from "../config/schema.ts";
import {
  type Accepted,
  type BuildModelOptions,
  hostnameOwners,
  type PickedServers,
  pickServers,
  readKey,
  reject,
  serviceOf,
} from "./build.ts";
import { noteServerCount } from "./counts.ts";
import { chooseDefaultService, findCaseClashes, type NameClaim } from "./service-names.ts";
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

/** What the builder holds between changes. */
type State = {
  /** Keys that cannot name a server (bad key, bad value), and the service each other key is in. */
  readRejections: Map<string, Rejected>;
  keyService: Map<string, string>;
  /** Decoded registrations by service then key, and each service's servers as picked. */
  candidates: Map<string, Map<string, Accepted>>;
  picked: Map<string, PickedServers>;
  /** Rejections a service's picking makes (a server name taken, a name clash), and their keys. */
  serviceRejections: Map<string, Rejected>;
  rejectedKeysOf: Map<string, string[]>;
  retained: Set<string>;
  /** Competing names by lower case, and the ones that lose their Host header, with why. */
  groups: Map<string, Set<string>>;
  caseLosers: Map<string, string>;
  services: Map<string, Service>;
  servers: number;
  trusted: Map<string, KeyValue>;
  defaultName: string;
  defaultRevision: number;
  model: Model;
};

/** One update's scratch: services to rebuild, keys whose rejection or trust may differ. */
type Pass = { touched: Set<string>; keys: Set<string>; trusted: Set<string> };

function emptyState(revision: number, retain: Iterable<string>): State {
  return {
    ...{ readRejections: new Map(), keyService: new Map(), candidates: new Map() },
    ...{ picked: new Map(), serviceRejections: new Map(), rejectedKeysOf: new Map() },
    ...{ retained: new Set(retain), groups: new Map(), caseLosers: new Map() },
    ...{ services: new Map(), servers: 0, trusted: new Map() },
    ...{ defaultName: "", defaultRevision: Number.POSITIVE_INFINITY },
    model: { revision, services: [], rejected: [], defaultService: "" },
  };
}

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
      state.model = apply(context, state, { changes, revision, retain, touch: standing });
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

type Context = {
  options: Omit<BuildModelOptions, "revision">;
  overrides: Map<string, ServiceOverride>;
  hostnames: Map<string, string>;
  trustedPrefixes: readonly string[];
};

/** What one pass folds in: key changes, names newly retained, names to settle regardless. */
type PassInput = {
  changes: readonly KeyDelta[];
  revision: number;
  retain: Iterable<string>;
  touch: Iterable<string>;
};

/** Folds changes into `state` and returns the new model; `changed` hears services that differ. */
function apply(
  context: Context,
  state: State,
  input: PassInput,
  changed = new Set<string>(),
): Model {
  const pass: Pass = { touched: new Set(input.touch), keys: new Set(), trusted: new Set() };
  for (const change of input.changes) readChange(context, state, pass, change);
  for (const name of input.retain) {
    if (state.retained.has(name)) continue;
    state.retained.add(name);
    pass.touched.add(name);
  }
  for (const name of pass.touched) repick(state, name);
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

/** Reads one changed key: forgets what it was, decodes what it is. */
function readChange(context: Context, state: State, pass: Pass, change: KeyDelta): void {
  const { key, value } = change;
  if (context.trustedPrefixes.some((prefix) => key.startsWith(prefix))) {
    if (value === undefined) state.trusted.delete(key);
    else state.trusted.set(key, { key, value });
    pass.trusted.add(key);
  }
  if (!key.startsWith(context.options.prefix)) return;
  const service = state.keyService.get(key);
  if (service !== undefined) {
    state.candidates.get(service)?.delete(key);
    state.keyService.delete(key);
    pass.touched.add(service);
  }
  if (state.readRejections.delete(key)) pass.keys.add(key);
  if (value === undefined) return;
  const read = readKey(key, value, change.createRevision ?? 0, context.options);
  if (!("service" in read)) {
    state.readRejections.set(key, read);
    pass.keys.add(key);
    return;
  }
  const keys = state.candidates.get(read.service) ?? new Map<string, Accepted>();
  state.candidates.set(read.service, keys);
  keys.set(key, read.accepted);
  state.keyService.set(key, read.service);
  pass.touched.add(read.service);
}

/** Picks a touched service's servers again from its decoded keys. */
function repick(state: State, name: string): void {
  const keys = state.candidates.get(name);
  if (keys === undefined || keys.size === 0) {
    state.candidates.delete(name);
    state.picked.delete(name);
  } else state.picked.set(name, pickServers(keys.values()));
}

function isClaim(context: Context, state: State, name: string): boolean {
  return state.picked.has(name) || context.overrides.has(name) || state.retained.has(name);
}

/** Settles Host-header clashes among names equal but for case, in each group a change touched;
 * a name whose standing changed is touched too. */
function resolveCases(context: Context, state: State, pass: Pass): void {
  const lowers = new Set<string>();
  for (const name of pass.touched) {
    const lower = name.toLowerCase();
    lowers.add(lower);
    const group = state.groups.get(lower) ?? new Set<string>();
    if (isClaim(context, state, name)) group.add(name);
    else group.delete(name);
    if (group.size > 0) state.groups.set(lower, group);
    else state.groups.delete(lower);
    if (!group.has(name) && state.caseLosers.delete(name)) pass.touched.add(name);
  }
  for (const lower of lowers) {
    const group = [...(state.groups.get(lower) ?? [])];
    const claims = group.map(
      (name): NameClaim => ({
        name,
        standing: context.overrides.has(name) ? 0 : state.retained.has(name) ? 1 : 2,
        createRevision: state.picked.get(name)?.oldest ?? Number.POSITIVE_INFINITY,
      }),
    );
    const losers = findCaseClashes(claims, context.hostnames);
    for (const name of group) {
      const reason = losers.get(name);
      if (reason === state.caseLosers.get(name)) continue;
      if (reason === undefined) state.caseLosers.delete(name);
      else state.caseLosers.set(name, reason);
      pass.touched.add(name);
    }
  }
}

/** The rejections a touched service makes now: keys that lost a server name, and all its
 * servers when its name lost the Host header. */
function serviceRejections(state: State, pass: Pass, name: string): void {
  for (const key of state.rejectedKeysOf.get(name) ?? []) {
    state.serviceRejections.delete(key);
    pass.keys.add(key);
  }
  const picked = state.picked.get(name);
  const rejections = [...(picked?.losers ?? [])];
  const reason = state.caseLosers.get(name);
  if (picked && reason !== undefined) {
    for (const entry of picked.servers) {
      rejections.push(reject(entry.server.key, entry.value, reason));
    }
  }
  for (const rejection of rejections) {
    state.serviceRejections.set(rejection.key, rejection);
    pass.keys.add(rejection.key);
  }
  if (rejections.length > 0) {
    state.rejectedKeysOf.set(
      name,
      rejections.map((rejection) => rejection.key),
    );
  } else state.rejectedKeysOf.delete(name);
}

/** The service a touched name serves now; undefined when it serves none. */
function keptService(context: Context, state: State, name: string): Service | undefined {
  if (!isClaim(context, state, name) || state.caseLosers.has(name)) return undefined;
  const picked = state.picked.get(name);
  const old = state.services.get(name);
  // Only its standing changed (newly retained, or a rival came or went): the same service.
  const servers = picked?.servers ?? [];
  if (old && old.servers.length === servers.length) {
    if (servers.every((entry, index) => entry.server === old.servers[index])) return old;
  }
  return serviceOf(name, context.overrides.get(name), picked);
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

/** chooseDefaultService, kept up to date: only the touched services can take the default, and
 * only a touched default can lose it (then all are compared again). */
function chooseDefault(context: Context, state: State, pass: Pass): string {
  if (context.options.defaultService) return context.options.defaultService;
  const revisionOf = (name: string) => state.picked.get(name)?.oldest ?? Number.POSITIVE_INFINITY;
  let name = state.defaultName;
  let revision = state.defaultRevision;
  const lost = !state.services.has(name) || revisionOf(name) > revision;
  if (name !== "" && pass.touched.has(name) && lost) {
    const kept = [...state.services.keys()].map((n) => ({ name: n, createRevision: revisionOf(n) }));
    name = chooseDefaultService(kept, undefined);
    revision = revisionOf(name);
  } else {
    if (name !== "") revision = revisionOf(name);
    for (const candidate of pass.touched) {
      if (!state.services.has(candidate)) continue;
      const candidateRevision = revisionOf(candidate);
      if (
        name === "" ||
        candidateRevision < revision ||
        (candidateRevision === revision && candidate < name)
      ) {
        name = candidate;
        revision = candidateRevision;
      }
    }
  }
  state.defaultName = name;
  state.defaultRevision = revision;
  return name;
}
