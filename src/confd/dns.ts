// DNS answers for the lookup filters: synchronous reads of a cache that settle() refreshes.

import { lookup, resolveSrv } from "node:dns/promises";
import { compareStrings } from "./values.ts";

/** One SRV answer as Go's net.SRV (Target ends with a dot). */
export class SrvRecord {
  readonly Target: string;
  readonly Port: number;
  readonly Priority: number;
  readonly Weight: number;
  constructor(target: string, port: number, priority: number, weight: number) {
    this.Target = target;
    this.Port = port;
    this.Priority = priority;
    this.Weight = weight;
  }
  goType(): string {
    return "*net.SRV";
  }
  goFields(): [string, unknown][] {
    return [
      ["Target", this.Target],
      ["Port", this.Port],
      ["Priority", this.Priority],
      ["Weight", this.Weight],
    ];
  }
}

/** Where answers come from: the system resolver by default, a fake in tests. */
export type DnsResolver = {
  /** Every address of `name` (getaddrinfo); rejects when there is none. */
  lookupAddresses(name: string): Promise<{ address: string; family: number }[]>;
  /** The SRV records of `name`; rejects when there is none. */
  lookupSrv(
    name: string,
  ): Promise<{ name: string; port: number; priority: number; weight: number }[]>;
};

export type DnsCacheOptions = { resolver?: DnsResolver };

export type DnsCache = {
  /** Sorted addresses of `name`; [] until settled, or when it has none (confd's nil). */
  lookupIP(name: string): string[];
  lookupIPV4(name: string): string[];
  lookupIPV6(name: string): string[];
  /** SRV records of `_service._proto.name` (of `name` when both are empty), sorted as confd. */
  lookupSRV(service: string, proto: string, name: string): SrvRecord[];
  /** Whether a lookup since the last settle() asked for a name with no answer yet. */
  pending(): boolean;
  /** Resolves every name asked since the last settle(); true if any answer changed. */
  settle(): Promise<boolean>;
  /** Resolves again every name asked since the previous refresh() (the same names as last
   * time when nothing was asked since) and forgets the others; true if any answer changed.
   * Resolves nothing when no render ever asked for a name. */
  refresh(): Promise<boolean>;
};

const SYSTEM_RESOLVER: DnsResolver = {
  lookupAddresses: (name) => lookup(name, { all: true, verbatim: true }),
  lookupSrv: (name) => resolveSrv(name),
};

type Address = { address: string; family: number };
type Answer = Address[] | SrvRecord[];

function srvOrder(record: SrvRecord): string {
  return `${record.Target}${record.Port}${record.Priority}${record.Weight}`;
}

async function resolve(resolver: DnsResolver, query: string): Promise<Answer> {
  const [type, name] = [query.slice(0, 3), query.slice(4)];
  try {
    if (type === "srv") {
      const records = await resolver.lookupSrv(name);
      return records
        .map(
          (r) =>
            new SrvRecord(
              r.name.endsWith(".") ? r.name : `${r.name}.`,
              r.port,
              r.priority,
              r.weight,
            ),
        )
        .sort((a, b) => compareStrings(srvOrder(a), srvOrder(b)));
    }
    const addresses = await resolver.lookupAddresses(name);
    return addresses.map(({ address, family }) => ({ address, family }));
  } catch {
    return [];
  }
}

/** A DNS cache shared by a renderer's renders. */
export function createDnsCache(options: DnsCacheOptions = {}): DnsCache {
  const resolver = options.resolver ?? SYSTEM_RESOLVER;
  const answers = new Map<string, Answer>();
  const asked = new Set<string>();
  // The names renders read since the previous refresh(), and those that refresh resolved.
  let readSinceRefresh = new Set<string>();
  let used = new Set<string>();
  const read = (query: string): Answer => {
    asked.add(query);
    readSinceRefresh.add(query);
    return answers.get(query) ?? [];
  };
  const update = async (queries: string[]): Promise<boolean> => {
    const results = await Promise.all(queries.map((query) => resolve(resolver, query)));
    let changed = false;
    queries.forEach((query, index) => {
      const before = answers.get(query) ?? [];
      const after = results[index]!;
      if (JSON.stringify(before) !== JSON.stringify(after)) changed = true;
      answers.set(query, after);
    });
    return changed;
  };
  const addresses = (name: string, family?: number): string[] =>
    [
      ...new Set(
        (read(`ip: ${name}`) as Address[])
          .filter((a) => family === undefined || a.family === family)
          .map((a) => a.address),
      ),
    ].sort(compareStrings);
  return {
    lookupIP: (name) => addresses(name),
    lookupIPV4: (name) => addresses(name, 4),
    lookupIPV6: (name) => addresses(name, 6),
    lookupSRV: (service, proto, name) =>
      read(
        `srv ${service === "" && proto === "" ? name : `_${service}._${proto}.${name}`}`,
      ) as SrvRecord[],
    pending: () => [...asked].some((query) => !answers.has(query)),
    settle() {
      const queries = [...asked];
      asked.clear();
      return update(queries);
    },
    refresh() {
      if (readSinceRefresh.size > 0) [used, readSinceRefresh] = [readSinceRefresh, new Set()];
      // Every name asked since the last settle was read since the last refresh: it is in `used`.
      asked.clear();
      for (const query of answers.keys()) if (!used.has(query)) answers.delete(query);
      return used.size === 0 ? Promise.resolve(false) : update([...used]);
    },
  };
}
