// The incremental model's names: Host-header clashes between names equal but for case, the
// rejections each service makes, the service each name serves, and the default service; each
// settled again only for the names a change touched (see incremental.ts). Pure.

import { type Accepted, reject, serviceOf } from "./build.ts";
import { type Context, isClaim, type Pass, type State } from "./incremental-state.ts";
import { chooseDefaultService, findCaseClashes, type NameClaim } from "./service-names.ts";
import type { Service } from "./types.ts";

/** Settles Host-header clashes among names equal but for case, in each group a change touched;
 * a name whose standing changed is touched too. */
export function resolveCases(context: Context, state: State, pass: Pass): void {
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
export function serviceRejections(state: State, pass: Pass, name: string): void {
  for (const key of state.rejectedKeysOf.get(name) ?? []) {
    state.serviceRejections.delete(key);
    pass.keys.add(key);
  }
  const picked = state.picked.get(name);
  const rejections = (picked?.losers ?? []).map((loser) => loser.rejection);
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
export function keptService(context: Context, state: State, name: string): Service | undefined {
  if (!isClaim(context, state, name) || state.caseLosers.has(name)) return undefined;
  const picked = state.picked.get(name);
  const old = state.services.get(name);
  const servers = picked?.servers ?? NO_SERVERS;
  // The same servers picked (only its standing changed, or a key that lost): the same service.
  if (old && builtFrom.get(old) === servers) return old;
  const service = serviceOf(name, context.overrides.get(name), picked);
  builtFrom.set(service, servers);
  return service;
}

/** The picked list each service was made from (lists are replaced, never changed in place). */
const builtFrom = new WeakMap<Service, readonly Accepted[]>();
const NO_SERVERS: readonly Accepted[] = [];

/** chooseDefaultService, kept up to date: only the touched services can take the default, and
 * only a touched default can lose it (then all are compared again). */
export function chooseDefault(context: Context, state: State, pass: Pass): string {
  if (context.options.defaultService) return context.options.defaultService;
  const revisionOf = (name: string) => state.picked.get(name)?.oldest ?? Number.POSITIVE_INFINITY;
  let name = state.defaultName;
  let revision = state.defaultRevision;
  const lost = !state.services.has(name) || revisionOf(name) > revision;
  if (name !== "" && pass.touched.has(name) && lost) {
    const kept = [...state.services.keys()].map((n) => ({
      name: n,
      createRevision: revisionOf(n),
    }));
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
