// Builds the model from the full set of keys under the prefix. Pure: same input, same model.

import type { ServiceOverride } from "../config/schema.ts";
import { type Decoded, decodeRegistration, NAME, quote } from "./decode.ts";
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
  /** Decoder to use instead of decodeRegistration (a memoizing one, for large key sets). */
  decode?: typeof decodeRegistration;
};

function reject(key: string, value: string, reason: string): Rejected {
  return {
    key,
    value: value.slice(0, SHOWN_VALUE_LENGTH),
    reason: reason.slice(0, SHOWN_VALUE_LENGTH),
  };
}

/** Decodes every key, groups servers by service, and lists what was rejected and why. */
export function buildModel(kvs: KeyValue[], options: BuildModelOptions): Model {
  const overrides = new Map((options.overrides ?? []).map((o) => [o.name, o]));
  /** service → server name → the registration that holds the name. */
  const byService = new Map<string, Map<string, { server: Server; value: string }>>();
  const rejected: Rejected[] = [];
  for (const { key, value } of kvs) {
    if (!key.startsWith(options.prefix)) continue;
    if (UNSAFE_KEY.test(key)) {
      rejected.push(reject(key, value, "key contains a space, control character or line break"));
      continue;
    }
    const parts = key.slice(options.prefix.length).split("/");
    if (parts.length !== 2 || parts[1] === "") {
      rejected.push(reject(key, value, `key must be ${options.prefix}<service>/<instance>`));
      continue;
    }
    const [service, instance] = parts as [string, string];
    if (!NAME.test(service)) {
      rejected.push(
        reject(
          key,
          value,
          `service name ${quote(service)} must be 1-64 of [A-Za-z0-9._-], not starting with - or .`,
        ),
      );
      continue;
    }
    const decoded = options.decode
      ? options.decode(key, instance, value)
      : decodeRegistration(key, instance, value);
    if (!decoded.ok) {
      rejected.push(reject(key, value, decoded.reason));
      continue;
    }
    const names = byService.get(service) ?? new Map<string, { server: Server; value: string }>();
    byService.set(service, names);
    const entry = { server: decoded.server, value };
    const clash = names.get(entry.server.name);
    // Of two keys naming the same server, the lower key wins, whatever order they came in.
    const [winner, loser] = clash && clash.server.key < key ? [clash, entry] : [entry, clash];
    if (loser) {
      const reason = `server name "${loser.server.name}" is already used by ${winner.server.key}`;
      rejected.push(reject(loser.server.key, loser.value, reason));
    }
    names.set(winner.server.name, winner);
  }

  const names = new Set([...byService.keys(), ...overrides.keys(), ...(options.retain ?? [])]);
  const services: Service[] = [...names].sort().map((name) => {
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
  return { revision: options.revision, services, rejected };
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
