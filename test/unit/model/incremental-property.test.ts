// The model built change by change equals buildModel on the whole key set, after every one of
// thousands of random events (puts of valid and invalid values in every registration form,
// deletes, re-puts, new and emptied services, names equal but for case, keys outside the prefix,
// relists, services newly retained). A failure names the seed and the event, to replay it.

import { describe, expect, test } from "bun:test";
import type { ServiceOverride } from "../../../src/config/schema.ts";
import { type BuildModelOptions, buildModel, countServers } from "../../../src/model/build.ts";
import { createIncrementalModel } from "../../../src/model/incremental.ts";
import type { KeyDelta, KeyValue, Model } from "../../../src/model/types.ts";

/** mulberry32: a small seeded PRNG, so every run of a seed makes the same events. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SERVICES = ["web", "Web", "WEB", "api", "Api", "db", "cache", "www", "a.b", "-bad", "x y"];
const INSTANCES = ["a", "b", "c", "d", "e", "f", "web-1", "web@1", ""];
const NAMES = ["s1", "s2", "s3", "web-1", "-x", "a"];
const OUTSIDE = ["/other/web/a", "/apps", "/apps/web", "/apps/web/a/b", "/conf/x", "/conf/y/z"];

type Config = {
  name: string;
  options: Omit<BuildModelOptions, "revision">;
  /** Instances per service: many make services large, so one change patches their servers. */
  instances?: readonly string[];
  names?: readonly string[];
};

const MANY_INSTANCES = Array.from({ length: 80 }, (_, i) => `i${i}`);
const MANY_NAMES = Array.from({ length: 50 }, (_, i) => `s${i}`);

const OVERRIDES: ServiceOverride[] = [
  { name: "api", balance: "roundrobin", hostnames: ["www", "api.example.com"] },
  { name: "cache" },
] as ServiceOverride[];

const CONFIGS: Config[] = [
  { name: "plain", options: { prefix: "/apps/" } },
  {
    name: "overrides, trusted prefixes",
    options: { prefix: "/apps/", overrides: OVERRIDES, trustedPrefixes: ["/conf/", "/apps/db"] },
  },
  {
    name: "large services (their servers patched, not picked again)",
    options: { prefix: "/apps/" },
    instances: MANY_INSTANCES,
    names: MANY_NAMES,
  },
  {
    name: "a configured default service, always kept",
    options: { prefix: "/apps/", overrides: OVERRIDES, defaultService: "db", retain: ["db"] },
  },
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** A registration value: seed form, bare host:port, JSON, or something invalid. */
function randomValue(random: () => number, names: readonly string[]): string {
  const host = pick(random, ["10.0.0.1", "10.0.0.2", "192.0.2.7", "[2001:db8::1]", "db.local"]);
  const address = `${host}:${pick(random, [80, 8080, 443, 99999])}`;
  const weight = pick(random, [0, 1, 7, 256, 300]);
  switch (Math.floor(random() * 7)) {
    case 0:
      return `${pick(random, names)} ${address}`;
    case 1:
      return address;
    case 2:
      return JSON.stringify({ addr: address, weight, drain: random() < 0.3 });
    case 3:
      return JSON.stringify({ addr: address, name: pick(random, names), meta: { zone: "a" } });
    case 4:
      return pick(random, ["", "garbage", "{bad", '{"addr":1}', '{"port":80}', "a b c"]);
    case 5:
      return `  ${address}  `;
    default:
      return pick(random, ["10.0.0.1:80", "s1 10.0.0.1:80", "bad\nline"]);
  }
}

/** The keys as a mirror keeps them: creation revisions kept across re-puts, new after deletes. */
class Keys {
  readonly map = new Map<string, KeyValue>();
  revision = 0;
  kvs(): KeyValue[] {
    return [...this.map.values()];
  }
  put(key: string, value: string): KeyDelta {
    this.revision++;
    const createRevision = this.map.get(key)?.createRevision ?? this.revision;
    this.map.set(key, { key, value, createRevision });
    return { key, value, createRevision };
  }
  delete(key: string): KeyDelta {
    this.revision++;
    this.map.delete(key);
    return { key, value: undefined };
  }
}

function randomKey(random: () => number, keys: Keys, config: Config): string {
  const roll = random();
  if (roll < 0.08) return pick(random, OUTSIDE);
  if (roll < 0.35 && keys.map.size > 0) return pick(random, [...keys.map.keys()]);
  const instance = pick(random, config.instances ?? INSTANCES);
  return `/apps/${pick(random, config.instances ? SERVICES.slice(0, 3) : SERVICES)}/${instance}`;
}

/** One event's key changes: mostly one key, sometimes a batch, or a whole service emptied. */
function randomChanges(random: () => number, keys: Keys, config: Config): KeyDelta[] {
  const roll = random();
  if (roll < (config.instances ? 0.005 : 0.05)) {
    const service = `/apps/${pick(random, SERVICES)}/`;
    return [...keys.map.keys()].filter((k) => k.startsWith(service)).map((k) => keys.delete(k));
  }
  const count = roll < 0.15 ? 1 + Math.floor(random() * 6) : 1;
  return Array.from({ length: count }, () => {
    const key = randomKey(random, keys, config);
    const value = randomValue(random, config.names ?? NAMES);
    // Large services grow: fewer deletes.
    return random() < (config.instances ? 0.2 : 0.3) ? keys.delete(key) : keys.put(key, value);
  });
}

/** Names whose service object differs between two models. */
function differing(before: Model, after: Model): Set<string> {
  const old = new Map(before.services.map((s) => [s.name, s]));
  const names = new Set<string>();
  for (const service of after.services)
    if (old.get(service.name) !== service) names.add(service.name);
  for (const name of old.keys()) if (!after.services.some((s) => s.name === name)) names.add(name);
  return names;
}

function run(config: Config, seed: number, events: number): void {
  const random = prng(seed);
  const keys = new Keys();
  const incremental = createIncrementalModel(config.options);
  const retained = new Set<string>(config.options.retain ?? []);
  const full = () =>
    buildModel(keys.kvs(), { ...config.options, revision: keys.revision, retain: retained });
  for (let event = 0; event < events; event++) {
    const where = `seed ${seed}, config "${config.name}", event ${event}`;
    const before = incremental.model();
    let changed: ReadonlySet<string> | undefined;
    if (random() < 0.01) {
      changed = incremental.build(keys.kvs(), keys.revision, retained).changed;
    } else {
      const changes = randomChanges(random, keys, config);
      const fresh = random() < 0.05 ? [pick(random, SERVICES)] : [];
      for (const name of fresh) retained.add(name);
      changed = incremental.update(changes, keys.revision, fresh).changed;
    }
    const model = incremental.model();
    try {
      const whole = full();
      expect(model).toEqual(whole);
      expect(countServers(model)).toBe(whole.services.reduce((n, s) => n + s.servers.length, 0));
      if (changed) expect([...changed].sort()).toEqual([...differing(before, model)].sort());
    } catch (error) {
      throw new Error(`${where}: the incremental model differs\n${String(error)}`);
    }
  }
}

describe("the incremental model against buildModel", () => {
  for (const [index, config] of CONFIGS.entries()) {
    test(`thousands of random events for each of 3 seeds: ${config.name}`, () => {
      // A fixed base seed keeps runs comparable; SEED=... replays another.
      const base = Number(process.env.SEED ?? 1409) + index * 1000;
      const events = config.instances ? 2500 : 4000;
      for (const seed of [base, base + 1, base + 2]) run(config, seed, events);
    }, 60_000);
  }
});
