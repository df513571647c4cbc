// The `growth` section of `make bench`: one service grown one instance at a time from 1 to
// BENCH_GROWTH_COUNT (default 1,000) on the default config. Each add is timed from etcd's
// acknowledgement to the first request through HAProxy that the new instance answers; an add
// first served by a reload (sluice's log says which apply served which revision) is a reload on
// the critical path.
//
// So that the first request after an add can only go to the new instance, each instance goes in
// with weight 1 and is set to weight 0 once it has answered (a `set server weight`, no reload);
// until the new one routes, HAProxy answers 503.

import { servedByReload } from "../test/helpers/applies.ts";
import { waitFor } from "../test/helpers/ports.ts";
import { startSluice, type TestSluice } from "../test/helpers/sluice.ts";
import {
  type BenchContext,
  ms,
  type NotingBackend,
  percentile,
  probe,
  startNotingBackend,
  statusNumber,
  waitNoReloadDue,
} from "./common.ts";

export const GROWTH_COUNT = Number(process.env.BENCH_GROWTH_COUNT ?? 1000);

const value = (backend: NotingBackend, weight: number) =>
  JSON.stringify({ addr: backend.address, name: backend.name, weight });

type Growth = { addToRouted: number[]; critical: number; reloads: number; background?: number };

/** Adds the instances one by one; each add routed before the next. */
async function grow(context: BenchContext, sluice: TestSluice, backends: NotingBackend[]) {
  const { etcd } = context;
  const before = await sluice.status();
  const result: Growth = { addToRouted: [], critical: 0, reloads: 0 };
  const revisions: number[] = [];
  for (const backend of backends) {
    const added = await etcd.client.put(`/apps/grow/${backend.name}`).value(value(backend, 1));
    const ack = performance.now();
    await waitFor(
      `${backend.name} routed`,
      async () => (await probe(sluice, "grow")) === backend.name,
      20_000,
      0,
    );
    result.addToRouted.push(performance.now() - ack);
    revisions.push(Number(added.header.revision));
    const put = await etcd.client.put(`/apps/grow/${backend.name}`).value(value(backend, 0));
    await sluice.waitApplied(put.header.revision, 20_000);
  }
  // An add on the critical path of a reload: the apply that first served its revision reloaded
  // (a background reload running meanwhile routes nothing new).
  result.critical = servedByReload(sluice.log(), revisions).length;
  await waitNoReloadDue(sluice);
  const after = await sluice.status();
  result.reloads = after.haproxy.reloads - before.haproxy.reloads;
  const path = ["apply", "background_reloads"];
  const [was, now] = [statusNumber(before, path), statusNumber(after, path)];
  if (was !== undefined && now !== undefined) result.background = now - was;
  return result;
}

export async function growthFigures(context: BenchContext): Promise<void> {
  const { report } = context;
  const backends = Array.from({ length: GROWTH_COUNT }, (_, i) => startNotingBackend(`g${i}`));
  const sluice = await startSluice({ etcdEndpoint: context.etcd.endpoint, startTimeoutMs: 30_000 });
  try {
    const startedAt = performance.now();
    const growth = await grow(context, sluice, backends);
    const seconds = (performance.now() - startedAt) / 1000;
    const label = `growth 1→${GROWTH_COUNT}`;
    report(
      `${label}: reloads on the critical path (between an add's put and its first routed request)`,
      String(growth.critical),
      "0",
      growth.critical === 0,
    );
    const background = growth.background ?? growth.reloads - growth.critical;
    const source = growth.background === undefined ? "reloads minus critical-path ones" : "status";
    report(
      `${label}: background reloads (${source}; ${growth.reloads} reloads in all, ${seconds.toFixed(0)} s)`,
      String(background),
      "≤ 12",
      background <= 12,
    );
    const p99 = percentile(growth.addToRouted, 99);
    report(
      `${label}: add→routed p50 / p99 from etcd's acknowledgement (n=${growth.addToRouted.length})`,
      `${ms(percentile(growth.addToRouted, 50))} / ${ms(p99)}`,
      "p99 ≤ 20 ms",
      p99 <= 20,
    );
    report(`${label}: slowest add→routed`, ms(Math.max(...growth.addToRouted)));
  } finally {
    await sluice.stop();
    for (const backend of backends) backend.stop();
    await context.etcd.client.delete().prefix("/apps/");
  }
}
