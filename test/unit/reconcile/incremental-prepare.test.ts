// An apply prepared from a model built change by change, visiting only the services that changed
// (guards, slot layout, structure, runtime commands), decides exactly what one built from the
// whole key set decides, over random changes with served states committed along the way. A
// failure names the seed and the step.

import { describe, expect, test } from "bun:test";
import { createDesiredStore } from "../../../src/desired.ts";
import { createLogger } from "../../../src/log.ts";
import { countServers } from "../../../src/model/build.ts";
import type { KeyDelta, KeyValue, Model } from "../../../src/model/types.ts";
import { renderSettings } from "../../../src/pipeline.ts";
import { createModelSource } from "../../../src/reconcile/model-source.ts";
import { type PrepareContext, prepareApply } from "../../../src/reconcile/prepare.ts";
import { createServedState } from "../../../src/reconcile/served-state.ts";
import type { Prepared } from "../../../src/reconcile/types.ts";
import { DEFAULT_TEMPLATE } from "../../../src/render/default-template.ts";
import { createRenderer } from "../../../src/render/render.ts";
import { keySet } from "../desired-fixtures.ts";
import { FIXED_HAPROXY } from "../render/fixtures.ts";

const renderer = createRenderer();
const log = createLogger(() => {});

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]) =>
  items[Math.floor(random() * items.length)]!;

function context(overrides: Partial<PrepareContext> = {}): PrepareContext {
  return {
    apply: { runtimeApi: true, allowEmpty: false, maxDropPercent: 50 },
    running: true,
    fastPath: "ready",
    layoutOptions: { minSpares: 1, spareRatio: 0.25, maxSpares: 1024 },
    modelOptions: (revision, retain) => ({ prefix: "/apps/", revision, retain }),
    render: (model: Model, layout) =>
      renderer.render(
        DEFAULT_TEMPLATE,
        "t",
        model,
        renderSettings(FIXED_HAPROXY, model, "t"),
        layout,
      ),
    templateKey: () => "default",
    ...overrides,
  };
}

function randomChange(random: () => number, keys: Map<string, KeyValue>, revision: number) {
  const service = pick(random, ["web", "api", "db", "Web", "cache"]);
  const key = `/apps/${service}/${pick(random, ["a", "b", "c", "d", "e", "f", "g"])}`;
  if (random() < 0.35) {
    keys.delete(key);
    return { key, value: undefined };
  }
  const host = `10.0.0.${1 + Math.floor(random() * 4)}:${pick(random, [80, 81])}`;
  const value = pick(random, [
    host,
    `s${Math.floor(random() * 3)} ${host}`,
    JSON.stringify({ addr: host, weight: pick(random, [0, 1, 5]), drain: random() < 0.2 }),
    "not a registration",
    `db.internal:${pick(random, [80, 81])}`,
  ]);
  const createRevision = keys.get(key)?.createRevision ?? revision;
  keys.set(key, { key, value, createRevision });
  return { key, value, createRevision };
}

/** What two prepared applies decide, in comparable form. */
function decision(prepared: Prepared) {
  return {
    plan: prepared.plan,
    model: prepared.model,
    desired: prepared.desired,
    holds: prepared.holds,
    layout: [...prepared.layout],
    text: prepared.text,
    servers: countServers(prepared.model),
  };
}

async function run(seed: number, steps: number): Promise<void> {
  const random = prng(seed);
  const keys = new Map<string, KeyValue>();
  const desired = createDesiredStore();
  const state = createServedState({ revision: 0, services: [], rejected: [] }, log);
  const models = createModelSource({ modelOptions: context().modelOptions, log, checkEvery: 50 });
  let stale: Prepared | undefined;
  for (let step = 1; step <= steps; step++) {
    const batch = 1 + Math.floor(random() * (random() < 0.1 ? 6 : 1));
    const changes: KeyDelta[] = [];
    for (let i = 0; i < batch; i++) changes.push(randomChange(random, keys, step));
    const relisted = random() < 0.02;
    desired.fromEtcd(keySet([...keys.values()], step, changes, relisted));
    const fastPath = random() < 0.1 ? "unverified" : "ready";
    const incremental = await prepareApply(state.served, desired.current(), false, {
      ...context({ fastPath }),
      build: (current) => models.build(current, state.seen(), state.holds()),
    });
    const whole = await prepareApply(state.served, desired.current(), false, context({ fastPath }));
    try {
      expect(decision(incremental)).toEqual(decision(whole));
    } catch (error) {
      throw new Error(`seed ${seed}, step ${step}: the incremental apply differs\n${error}`);
    }
    // Most applies are served; some fail (the next build is whole), some are only planned, and
    // some are served after a newer one was prepared (a plan asked for meanwhile).
    const commit = (prepared: Prepared) => {
      state.commit(prepared, prepared.text ?? state.served.text ?? "", "ready", "default");
      models.committed(prepared.build!);
    };
    const roll = random();
    if (stale) {
      commit(stale);
      stale = undefined;
    } else if (roll < 0.1) stale = incremental;
    else if (roll < 0.85) commit(incremental);
    else if (roll < 0.9) models.doubt();
  }
}

describe("an apply prepared change by change", () => {
  test("decides as one prepared from the whole key set, over 3 × 700 random changes", async () => {
    const base = Number(process.env.SEED ?? 14);
    for (const seed of [base, base + 1, base + 2]) await run(seed, 700);
  }, 60_000);

  test("a change to one service visits that service only; the others keep their objects", async () => {
    const desired = createDesiredStore();
    const state = createServedState({ revision: 0, services: [], rejected: [] }, log);
    const models = createModelSource({ modelOptions: context().modelOptions, log });
    const build = (current: Parameters<typeof models.build>[0]) =>
      models.build(current, state.seen(), state.holds());
    const kvs = [
      { key: "/apps/api/a", value: "10.0.0.1:80", createRevision: 1 },
      { key: "/apps/web/a", value: "10.0.0.2:80", createRevision: 2 },
    ];
    desired.fromEtcd(keySet(kvs, 2));
    const first = await prepareApply(state.served, desired.current(), false, {
      ...context(),
      build,
    });
    expect(first.changed).toBeUndefined();
    state.commit(first, first.text, "ready", "default");
    models.committed(first.build!);
    const put = { key: "/apps/web/b", value: "10.0.0.3:80", createRevision: 3 };
    desired.fromEtcd(keySet([...kvs, put], 3, [put]));
    const next = await prepareApply(state.served, desired.current(), false, {
      ...context(),
      build,
    });
    expect([...(next.changed ?? [])]).toEqual(["web"]);
    expect(next.plan.kind).toBe("runtime");
    expect(next.model.services[0]).toBe(first.model.services[0]!);
    expect(next.layout.get("api")).toBe(first.layout.get("api")!);
    expect(next.layout.get("web")).not.toBe(first.layout.get("web")!);
  });
});
