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
type Accepted = { server: Server; value: string; createRevision: number };

/** Accepted registrations by service, then by server name. */
type Grouped = Map<string, Map<string, Accepted>>;

function reject(key: string, value: string, reason: string): Rejected {
  return {
    key,
    value: value.slice(0, SHOWN_VALUE_LENGTH),
    reason: reason.slice(0, SHOWN_VALUE_LENGTH),
  };
}

/** The service and instance a key names, or why it cannot name one. */
function splitKey(key: string, prefix: string): { service: string; instance: string } | string {
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

/** Decodes every key under the prefix and groups the accepted ones; the rest go to `rejected`. */
function groupRegistrations(
  kvs: KeyValue[],
  options: BuildModelOptions,
  rejected: Rejected[],
): Grouped {
  const byService: Grouped = new Map();
  for (const { key, value, createRevision = 0 } of kvs) {
    if (!key.startsWith(options.prefix)) continue;
    const split = splitKey(key, options.prefix);
    if (typeof split === "string") {
      rejected.push(reject(key, value, split));
      continue;
    }
    const decode = options.decode ?? decodeRegistration;
    const decoded = decode(key, split.instance, value);
    if (!decoded.ok) {
      rejected.push(reject(key, value, decoded.reason));
      continue;
    }
    const names = byService.get(split.service) ?? new Map<string, Accepted>();
    byService.set(split.service, names);
    const entry = { server: decoded.server, value, createRevision };
    const clash = names.get(entry.server.name);
    // Of two keys naming the same server, the lower key wins, whatever order they came in.
    const [winner, loser] = clash && clash.server.key < key ? [clash, entry] : [entry, clash];
    if (loser) {
      const reason = `server name "${loser.server.name}" is already used by ${winner.server.key}`;
      rejected.push(reject(loser.server.key, loser.value, reason));
    }
    names.set(winner.server.name, winner);
  }
  return byService;
}

/** The oldest creation revision among a service's accepted keys; Infinity without keys. */
function oldestKey(names: Map<string, Accepted> | undefined): number {
  let oldest = Number.POSITIVE_INFINITY;
  for (const entry of names?.values() ?? []) oldest = Math.min(oldest, entry.createRevision);
  return oldest;
}

/** Decodes every key, groups servers by service, and lists what was rejected and why. */
export function buildModel(kvs: KeyValue[], options: BuildModelOptions): Model {
  const overrides = new Map((options.overrides ?? []).map((o) => [o.name, o]));
  const retained = new Set(options.retain ?? []);
  const rejected: Rejected[] = [];
  const byService = groupRegistrations(kvs, options, rejected);

  const claims: NameClaim[] = [
    ...new Set([...byService.keys(), ...overrides.keys(), ...retained]),
  ].map((name) => ({
    name,
    standing: overrides.has(name) ? 0 : retained.has(name) ? 1 : 2,
    createRevision: oldestKey(byService.get(name)),
  }));
  const hostnames = new Map<string, string>();
  for (const override of overrides.values()) {
    for (const host of override.hostnames ?? []) hostnames.set(host.toLowerCase(), override.name);
  }
  const losers = findCaseClashes(claims, hostnames);
  for (const [name, reason] of losers) {
    for (const entry of byService.get(name)?.values() ?? []) {
      rejected.push(reject(entry.server.key, entry.value, reason));
    }
  }

  const kept = claims.filter((claim) => !losers.has(claim.name));
  const services: Service[] = kept
    .map((claim) => claim.name)
    .sort()
    .map((name) => {
      const override = overrides.get(name);
      const servers = [...(byService.get(name)?.values() ?? [])]
        .map((entry) => entry.server)
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      return {
        name,
        balance: override?.balance ?? "leastconn",
        hostnames: override?.hostnames ?? [],
        servers,
      };
    });
  rejected.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const defaultService = chooseDefaultService(kept, options.defaultService);
  const trusted = options.trustedPrefixes?.length
    ? { trusted: keysUnder(kvs, options.trustedPrefixes) }
    : {};
  return { revision: options.revision, services, rejected, defaultService, ...trusted };
}

/** The keys under any of `prefixes`, sorted by key (string prefix match, as confd's). */
function keysUnder(kvs: KeyValue[], prefixes: readonly string[]): KeyValue[] {
  return kvs
    .filter(({ key }) => prefixes.some((prefix) => key.startsWith(prefix)))
    .map(({ key, value }) => ({ key, value }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Number of servers across all services. */
export function countServers(model: Model): number {
  return model.services.reduce((total, service) => total + service.servers.length, 0);
}

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
