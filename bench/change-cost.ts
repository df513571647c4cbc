// How long sluice's own work takes for one etcd change (not a timed test, not `make bench`): the
// mirror, the desired store, the change events, the model, the guards, the slot layout and the
// runtime commands, for a probe server put and deleted beside 10, 10,000 and 100,000 servers
// (100,000 as 1,000 services × 100). No HAProxy, no etcd, no render (the fast path renders after
// routing). Run: node_modules/.bin/bun bench/change-cost.ts [changes per size, default 200]

import { createDesiredStore } from "../src/desired.ts";
import { KeyMirror, type MirrorEvent } from "../src/discovery/mirror.ts";
import { createChangePublisher } from "../src/events/changes.ts";
import { createLogger } from "../src/log.ts";
import { createMemoDecoder } from "../src/model/build.ts";
import type { KeyValue } from "../src/model/types.ts";
import { createModelSource } from "../src/reconcile/model-source.ts";
import { type PrepareContext, prepareApply } from "../src/reconcile/prepare.ts";
import { createServedState } from "../src/reconcile/served-state.ts";

const log = createLogger(() => {});

/** `services` services of `each` servers, and a 2-server probe service. */
function keySet(services: number, each: number): KeyValue[] {
  const kvs: KeyValue[] = [];
  for (let s = 0; s < services; s++) {
    for (let i = 0; i < each; i++) {
      const n = s * each + i;
      const host = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
      kvs.push({ key: `/apps/svc${s}/i${i}`, value: `${host}:80`, createRevision: 1 });
    }
  }
  kvs.push({ key: "/apps/probe/a", value: "127.0.0.1:9001", createRevision: 1 });
  kvs.push({ key: "/apps/probe/b", value: "127.0.0.1:9002", createRevision: 1 });
  return kvs;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(
  label: string,
  services: number,
  each: number,
  changes: number,
  into = "probe",
): Promise<void> {
  const decode = createMemoDecoder();
  const context: PrepareContext = {
    apply: { runtimeApi: true, allowEmpty: false, maxDropPercent: 50 },
    running: true,
    fastPath: "ready",
    layoutOptions: { minSpares: 8, spareRatio: 0.25, maxSpares: 1024 },
    modelOptions: (revision, retain) => ({ prefix: "/apps/", revision, retain, decode }),
    render: () => "rendered",
    templateKey: () => "template",
  };
  const mirror = new KeyMirror();
  const desired = createDesiredStore();
  const events = createChangePublisher(() => {}, 100);
  const state = createServedState({ revision: 0, services: [], rejected: [] }, log);
  const models = createModelSource({ modelOptions: context.modelOptions, log });
  const withBuild = {
    ...context,
    build: (current: Parameters<typeof models.build>[0]) =>
      models.build(current, state.seen(), state.holds()),
  };
  const publish = (relisted: boolean) => {
    const changes = mirror.takeChanges();
    events(changes, mirror.revision);
    desired.fromEtcd({ revision: mirror.revision, changes, relisted, kvs: () => mirror.kvs() });
  };
  const apply = async () => {
    const prepared = await prepareApply(state.served, desired.current(), false, withBuild);
    state.commit(prepared, prepared.text ?? "rendered", "ready", "template");
    models.committed(prepared.build!);
    return prepared;
  };
  mirror.replace(keySet(services, each), 1);
  publish(true);
  apply();
  const times: number[] = [];
  for (let n = 0; n < changes; n++) {
    const revision = mirror.revision + 1;
    const event: MirrorEvent =
      n % 2 === 0
        ? {
            type: "put",
            key: `/apps/${into}/c`,
            value: "127.0.0.1:9003",
            modRevision: revision,
            createRevision: revision,
          }
        : {
            type: "delete",
            key: `/apps/${into}/c`,
            value: "",
            modRevision: revision,
            createRevision: 0,
          };
    const started = performance.now();
    mirror.apply([event]);
    publish(false);
    const prepared = await apply();
    times.push(performance.now() - started);
    if (prepared.plan.kind !== "runtime")
      throw new Error(`expected runtime, got ${prepared.plan.kind}`);
  }
  times.sort((a, b) => a - b);
  const p50 = percentile(times, 50).toFixed(3);
  const p99 = percentile(times, 99).toFixed(3);
  console.log(`${label}: one change p50 ${p50} ms, p99 ${p99} ms (n=${changes})`);
}

const changes = Number(process.argv[2] ?? 200);
await measure("10 servers", 1, 10, changes);
await measure("10,000 servers (1 service)", 1, 10_000, changes);
await measure("100,000 servers (1,000 × 100)", 1000, 100, changes);
// A change inside the large service itself: that one service is placed again whole.
await measure(
  "10,000 servers, the change in the 10,000-server service",
  1,
  10_000,
  changes,
  "svc0",
);
