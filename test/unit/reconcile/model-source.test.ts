// The reconciler's model source: built from the desired store's changes, whole when in doubt,
// and checked against a whole build now and then, which wins when they differ.

import { describe, expect, test } from "bun:test";
import { createDesiredStore } from "../../../src/desired.ts";
import { createLogger } from "../../../src/log.ts";
import { buildModel } from "../../../src/model/build.ts";
import type { KeyValue } from "../../../src/model/types.ts";
import { createModelSource, type SeenServices } from "../../../src/reconcile/model-source.ts";
import { MODEL } from "../../../src/tunables.ts";
import { keySet } from "../desired-fixtures.ts";

const modelOptions = (revision: number, retain: Iterable<string>) => ({
  prefix: "/apps/",
  revision,
  retain,
});
const NONE: SeenServices = { set: new Set(), order: [] };
const kv = (key: string, value: string, createRevision = 1): KeyValue => ({
  key,
  value,
  createRevision,
});

function harness(checkEvery = 1000) {
  const lines: string[] = [];
  const log = createLogger((line) => lines.push(line), { format: "logfmt" });
  const desired = createDesiredStore();
  const models = createModelSource({ modelOptions, log, checkEvery });
  return { lines, desired, models, build: () => models.build(desired.current(), NONE, []) };
}

describe("model source", () => {
  test("whole at first, then from changes: only the services they touch", () => {
    const { desired, build } = harness();
    const kvs = [kv("/apps/web/a", "10.0.0.1:80"), kv("/apps/api/a", "10.0.0.2:80")];
    desired.fromEtcd(keySet(kvs, 1));
    expect(build().changed).toBeUndefined();
    const put = kv("/apps/web/b", "10.0.0.3:80", 2);
    desired.fromEtcd(keySet([...kvs, put], 2, [put]));
    const next = build();
    // Nothing served yet: every service may still differ from what is served.
    expect(next.changed).toBeUndefined();
    expect(next.model).toEqual(buildModel([...kvs, put], modelOptions(2, [])));
  });

  test("after a commit, changed names the services changed since; a stale commit keeps them", () => {
    const { desired, models, build } = harness();
    const kvs = [kv("/apps/web/a", "10.0.0.1:80"), kv("/apps/api/a", "10.0.0.2:80")];
    desired.fromEtcd(keySet(kvs, 1));
    models.committed(build().build);
    desired.fromEtcd(keySet([], 2, [kv("/apps/web/b", "10.0.0.3:80", 2)]));
    const second = build();
    expect([...(second.changed ?? [])]).toEqual(["web"]);
    desired.fromEtcd(keySet([], 3, [kv("/apps/api/b", "10.0.0.4:80", 3)]));
    const third = build();
    models.committed(second.build);
    expect([...(third.changed ?? [])].sort()).toEqual(["api", "web"]);
    desired.fromEtcd(keySet([], 4, [kv("/apps/db/a", "10.0.0.5:80", 4)]));
    // The build served was not the newest: what changed since it is kept.
    expect([...(build().changed ?? [])].sort()).toEqual(["api", "db", "web"]);
  });

  test("a listing, or an apply in doubt, builds whole again", () => {
    const { desired, models, build } = harness();
    desired.fromEtcd(keySet([kv("/apps/web/a", "10.0.0.1:80")], 1));
    models.committed(build().build);
    desired.fromEtcd(keySet([kv("/apps/web/a", "10.0.0.9:80")], 2, [], true));
    const relisted = build();
    expect(relisted.changed).toBeUndefined();
    expect(relisted.model.services[0]!.servers[0]!.host).toBe("10.0.0.9");
    models.committed(relisted.build);
    models.doubt();
    desired.fromEtcd(keySet([], 3, [kv("/apps/web/b", "10.0.0.3:80", 3)]));
    expect(build().changed).toBeUndefined();
  });

  test("changes that disagree with the key set are caught by the whole build now and then", () => {
    const { desired, models, lines, build } = harness(3);
    const kvs = [kv("/apps/web/a", "10.0.0.1:80")];
    desired.fromEtcd(keySet(kvs, 1));
    models.committed(build().build);
    // The key set says web/b exists; the changes never told it.
    const truth = [...kvs, kv("/apps/web/b", "10.0.0.2:80", 2)];
    let built = build();
    for (let revision = 2; revision <= 4; revision++) {
      desired.fromEtcd(keySet(truth, revision, []));
      built = build();
    }
    expect(built.model).toEqual(buildModel(truth, modelOptions(4, [])));
    expect(built.changed).toBeUndefined();
    expect(lines.some((line) => line.includes("differs from the whole key set"))).toBe(true);
  });

  test("a digest folds a large batch in slices, yielding; the build after it gives the same model", async () => {
    const { desired, models, build } = harness();
    const first = [kv("/apps/web/a", "10.0.0.1:80")];
    desired.fromEtcd(keySet(first, 1));
    models.committed(build().build);
    const puts = Array.from({ length: MODEL.digestSlice * 2 + 5 }, (_, i) =>
      kv(`/apps/bulk/b${i}`, `10.1.${i >> 8}.${i & 255}:80`, 2),
    );
    desired.fromEtcd(keySet([...first, ...puts], 2, puts));
    let turns = 0;
    const counting = setInterval(() => turns++, 0);
    await models.digest(desired.current(), NONE);
    clearInterval(counting);
    expect(turns).toBeGreaterThan(0);
    const built = build();
    expect(built.model).toEqual(buildModel([...first, ...puts], modelOptions(2, [])));
    expect([...(built.changed ?? [])]).toEqual(["bulk"]);
  });

  test("a build that comes in during a digest takes the rest, once", async () => {
    const { desired, models, build } = harness();
    desired.fromEtcd(keySet([], 1));
    models.committed(build().build);
    const puts = Array.from({ length: MODEL.digestSlice * 3 }, (_, i) =>
      kv(`/apps/bulk/b${i}`, `10.1.${i >> 8}.${i & 255}:80`, 2),
    );
    desired.fromEtcd(keySet(puts, 2, puts));
    const digesting = models.digest(desired.current(), NONE);
    desired.fromEtcd(keySet(puts.slice(1), 3, [{ key: "/apps/bulk/b0", value: undefined }]));
    const built = build();
    await digesting;
    expect(built.model).toEqual(buildModel(puts.slice(1), modelOptions(3, [])));
    expect(build().model).toEqual(built.model);
  });
});
