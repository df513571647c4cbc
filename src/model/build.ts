// Builds the model from the full set of keys under the prefix. Pure: same input, same model.

import type { ServiceOverride } from "../config/schema.ts";
import { type Decoded, decodeRegistration, NAME, quote } from "./decode.ts";
import { isInvalidUtf8 } from "./raw-text.ts";
import { chooseDefaultService, findCaseClashes, type NameClaim } from "./service-names.ts";
import type { KeyValue, Model, Rejected, Server, Service } from "./types.ts";

// biome-ignore lint/suspicious/noControlCharactersInRegex: keys with them are rejected
const UNSAFE_KEY = /[\u0000-\u0020\u007f-\u009f\u2028\u2029]/;
const SHOWN_VALUE_LENGTH = 200;

export type BuildModelOptions = {
  prefix: string;
  revision: number;
  /** Per-service settings from sluice.toml; declared services exist even with no servers. */
  overrides?: ServiceOverride[];
  /** Services to keep as empty backends (seen earlier, now without keys). */
  retain?: Iterable<string>;
  /** `[haproxy] default_service`; unset: the service registered first. */
  defaultService?: string;
  /** `haproxy.trusted_prefixes`: raw keys under these go to `model.trusted` as they are. */
  trustedPrefixes?: readonly string[];
  /** Decoder to use instead of decodeRegistration (a memoizing one, for large key sets). */
  decode?: typeof decodeRegistration;
};

/** An accepted registration: the server, its raw value, and when etcd created its key. */
export type Accepted = { server: Server; value: string; createRevision: number };

/** Accepted registrations by service, then by key. */
type Grouped = Map<string, Map<string, Accepted>>;

/** A rejection as the model keeps it: value and reason cut to a shown length. */
export function reject(key: string, value: string, reason: string): Rejected {
  return {
    key,
    value: value.slice(0, SHOWN_VALUE_LENGTH),
    reason: reason.slice(0, SHOWN_VALUE_LENGTH),
  };
}

/** The service and instance a key names, or why it cannot name one. */
export function splitKey(
  key: string,
  prefix: string,
): { service: string; instance: string } | string {
  if (isInvalidUtf8(key)) return `key ${quote(key, 200)} is not valid UTF-8`;
  if (UNSAFE_KEY.test(key)) return "key contains a space, control character or line break";
  const parts = key.slice(prefix.length).split("/");
  if (parts.length !== 2 || parts[1] === "") return `key must be ${prefix}<service>/<instance>`;
  const [service, instance] = parts as [string, string];
  if (!NAME.test(service)) {
    return `service name ${quote(service)} must be 1-64 of [A-Za-z0-9._-], not starting with - or .`;
  }
  return { service, instance };
}

/** What one key under the prefix is: a registration of a service, or a rejection. */
export function readKey(
  key: string,
  value: string,
  createRevision: number,
  options: Pick<BuildModelOptions, "prefix" | "decode">,
): { service: string; accepted: Accepted } | Rejected {
  const split = splitKey(key, options.prefix);
  if (typeof split === "string") return reject(key, value, split);
  const decoded = (options.decode ?? decodeRegistration)(key, split.instance, value);
  if (!decoded.ok) return reject(key, value, decoded.reason);
  return { service: split.service, accepted: { server: decoded.server, value, createRevision } };
}

/** Decodes every key under the prefix and groups the accepted ones; the rest go to `rejected`. */
function groupRegistrations(
  kvs: readonly KeyValue[],
  options: BuildModelOptions,
  rejected: Rejected[],
): Grouped {
  const byService: Grouped = new Map();
  for (const { key, value, createRevision = 0 } of kvs) {
    if (!key.startsWith(options.prefix)) continue;
    const read = readKey(key, value, createRevision, options);
    if (!("service" in read)) {
      rejected.push(read);
      continue;
    }
    const keys = byService.get(read.service) ?? new Map<string, Accepted>();
    byService.set(read.service, keys);
    keys.set(key, read.accepted);
  }
  return byService;
}

/** One service's registrations sorted out: its servers, the keys that lost their server name to
 * another (with the name), and the oldest creation revision among the servers (Infinity without). */
export type PickedServers = {
  servers: Accepted[];
  losers: { name: string; rejection: Rejected }[];
  oldest: number;
};

/**
 * Of keys naming the same server, the lowest key wins, whatever order they came in; the others
 * are rejected, naming it. Servers come sorted by name.
 */
export function pickServers(accepted: Iterable<Accepted>): PickedServers {
  const byName = new Map<string, Accepted>();
  const losers: Accepted[] = [];
  for (const entry of accepted) {
    const clash = byName.get(entry.server.name);
    if (clash === undefined) byName.set(entry.server.name, entry);
    else if (entry.server.key < clash.server.key) {
      losers.push(clash);
      byName.set(entry.server.name, entry);
    } else losers.push(entry);
  }
  let oldest = Number.POSITIVE_INFINITY;
  for (const entry of byName.values()) oldest = Math.min(oldest, entry.createRevision);
  const servers = [...byName.values()].sort((a, b) => (a.server.name < b.server.name ? -1 : 1));
  return {
    servers,
    oldest,
    losers: losers.map((loser) => {
      const { name } = loser.server;
      const reason = `server name "${name}" is already used by ${byName.get(name)!.server.key}`;
      return { name, rejection: reject(loser.server.key, loser.value, reason) };
    }),
  };
}

/** The service `name` serves: settings from its override, servers as picked. */
export function serviceOf(
  name: string,
  override: ServiceOverride | undefined,
  picked: PickedServers | undefined,
): Service {
  return {
    name,
    balance: override?.balance ?? "leastconn",
    hostnames: override?.hostnames ?? [],
    servers: picked?.servers.map((entry) => entry.server) ?? [],
  };
}

/** Where each configured hostname (lower case) points. */
export function hostnameOwners(overrides: readonly ServiceOverride[]): Map<string, string> {
  const hostnames = new Map<string, string>();
  for (const override of overrides) {
    for (const host of override.hostnames ?? []) hostnames.set(host.toLowerCase(), override.name);
  }
  return hostnames;
}

/** Orders rejections by key. */
export function byKey(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Decodes every key, groups servers by service, and lists what was rejected and why. */
export function buildModel(kvs: readonly KeyValue[], options: BuildModelOptions): Model {
  const overrides = new Map((options.overrides ?? []).map((o) => [o.name, o]));
  const retained = new Set(options.retain ?? []);
  const rejected: Rejected[] = [];
  const picked = new Map<string, PickedServers>();
  for (const [name, keys] of groupRegistrations(kvs, options, rejected)) {
    const servers = pickServers(keys.values());
    picked.set(name, servers);
    for (const loser of servers.losers) rejected.push(loser.rejection);
  }

  const claims: NameClaim[] = [
    ...new Set([...picked.keys(), ...overrides.keys(), ...retained]),
  ].map((name) => ({
    name,
    standing: overrides.has(name) ? 0 : retained.has(name) ? 1 : 2,
    createRevision: picked.get(name)?.oldest ?? Number.POSITIVE_INFINITY,
  }));
  const losers = findCaseClashes(claims, hostnameOwners(options.overrides ?? []));
  for (const [name, reason] of losers) {
    for (const entry of picked.get(name)?.servers ?? []) {
      rejected.push(reject(entry.server.key, entry.value, reason));
    }
  }

  const kept = claims.filter((claim) => !losers.has(claim.name));
  const services: Service[] = kept
    .map((claim) => claim.name)
    .sort()
    .map((name) => serviceOf(name, overrides.get(name), picked.get(name)));
  rejected.sort(byKey);
  const defaultService = chooseDefaultService(kept, options.defaultService);
  const trusted = options.trustedPrefixes?.length
    ? { trusted: keysUnder(kvs, options.trustedPrefixes) }
    : {};
  return { revision: options.revision, services, rejected, defaultService, ...trusted };
}

/** The keys under any of `prefixes`, sorted by key (string prefix match, as confd's). */
function keysUnder(kvs: readonly KeyValue[], prefixes: readonly string[]): KeyValue[] {
  return kvs
    .filter(({ key }) => prefixes.some((prefix) => key.startsWith(prefix)))
    .map(({ key, value }) => ({ key, value }))
    .sort(byKey);
}

export { countServers } from "./counts.ts";

/**
 * A decoder that remembers the last result per key while the value stays the same, so a change
 * to one key of 10,000 decodes one value. The result depends only on (key, value): still pure.
 */
export function createMemoDecoder(): typeof decodeRegistration {
  const cache = new Map<string, { value: string; decoded: Decoded }>();
  return (key, instance, value) => {
    const hit = cache.get(key);
    if (hit && hit.value === value) return hit.decoded;
    const decoded = decodeRegistration(key, instance, value);
    cache.set(key, { value, decoded });
    if (cache.size > 4 * 65_536) cache.clear();
    return decoded;
  };
}
