// The incremental model's state between changes, and how one changed key is read into it (see
// incremental.ts). Pure data and functions.

import type { ServiceOverride } from "../config/schema.ts";
import { type BuildModelOptions, type PickedServers, readKey } from "./build.ts";
import { addClaim, removeClaim, repickServers, type ServiceKeys } from "./incremental-pick.ts";
import type { KeyDelta, KeyValue, Model, Rejected, Service } from "./types.ts";

/** What the builder holds between changes. */
export type State = {
  /** Keys that cannot name a server (a bad key, a bad value). */
  readRejections: Map<string, Rejected>;
  /** Decoded registrations by service, and each service's servers as picked. */
  candidates: Map<string, ServiceKeys>;
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

/** One update's scratch: services to rebuild (and in each, the server names its changed keys
 * claimed), keys whose rejection or trust may differ. */
export type Pass = {
  /** Whether the state started empty (a whole build): every service is picked whole. */
  whole: boolean;
  touched: Set<string>;
  names: Map<string, Set<string>>;
  keys: Set<string>;
  trusted: Set<string>;
};

export function emptyState(revision: number, retain: Iterable<string>): State {
  return {
    ...{ readRejections: new Map(), candidates: new Map() },
    ...{ picked: new Map(), serviceRejections: new Map(), rejectedKeysOf: new Map() },
    ...{ retained: new Set(retain), groups: new Map(), caseLosers: new Map() },
    ...{ services: new Map(), servers: 0, trusted: new Map() },
    ...{ defaultName: "", defaultRevision: Number.POSITIVE_INFINITY },
    model: { revision, services: [], rejected: [], defaultService: "" },
  };
}

/** What stays fixed: the options and what is derived from them. */
export type Context = {
  options: Omit<BuildModelOptions, "revision">;
  overrides: Map<string, ServiceOverride>;
  hostnames: Map<string, string>;
  trustedPrefixes: readonly string[];
};

/** Reads one changed key: forgets what it was, decodes what it is. */
export function readChange(context: Context, state: State, pass: Pass, change: KeyDelta): void {
  const { key, value } = change;
  if (context.trustedPrefixes.some((prefix) => key.startsWith(prefix))) {
    if (value === undefined) state.trusted.delete(key);
    else state.trusted.set(key, { key, value });
    pass.trusted.add(key);
  }
  const { prefix } = context.options;
  if (!key.startsWith(prefix)) return;
  // The service a key is in is in the key: the part after the prefix, up to the next "/".
  const end = key.indexOf("/", prefix.length);
  if (!pass.whole && end > 0) forgetKey(state, pass, key.slice(prefix.length, end), key);
  if (!pass.whole && state.readRejections.delete(key)) pass.keys.add(key);
  if (value === undefined) return;
  const read = readKey(key, value, change.createRevision ?? 0, context.options);
  if (!("service" in read)) {
    state.readRejections.set(key, read);
    pass.keys.add(key);
    return;
  }
  let keys = state.candidates.get(read.service);
  if (keys === undefined) {
    keys = { keys: new Map(), byName: new Map() };
    state.candidates.set(read.service, keys);
  }
  keys.keys.set(key, read.accepted);
  addClaim(keys, read.accepted);
  touchName(pass, read.service, read.accepted.server.name);
}

function touchName(pass: Pass, service: string, name: string): void {
  pass.touched.add(service);
  if (pass.whole) return;
  const names = pass.names.get(service) ?? new Set<string>();
  pass.names.set(service, names);
  names.add(name);
}

/** Takes `key` out of its service's decoded keys. */
function forgetKey(state: State, pass: Pass, service: string, key: string): void {
  const keys = state.candidates.get(service);
  const accepted = keys?.keys.get(key);
  if (!keys || !accepted) return;
  keys.keys.delete(key);
  removeClaim(keys, accepted);
  touchName(pass, service, accepted.server.name);
}

/** Picks a touched service's servers again: only the server names its changed keys claimed. */
export function repick(state: State, pass: Pass, name: string): void {
  const keys = state.candidates.get(name);
  if (keys === undefined || keys.keys.size === 0) {
    state.candidates.delete(name);
    state.picked.delete(name);
  } else state.picked.set(name, repickServers(keys, state.picked.get(name), pass.names.get(name)));
}

export function isClaim(context: Context, state: State, name: string): boolean {
  return state.picked.has(name) || context.overrides.has(name) || state.retained.has(name);
}
