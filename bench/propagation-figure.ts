// The propagation figures of `make bench`: a probe server put into and deleted from a 2-server
// round-robin service, timed until the first request it answers and until two requests in a row
// miss it, beside 10 / 1,000 / 10,000 servers in one service, or 100,000 as 1,000 services × 100
// (the `scale100k` section, which also times that cold start and the memory it takes).

import type { TestBackend } from "../test/helpers/backend.ts";
import { waitFor } from "../test/helpers/ports.ts";
import { startSluice, type TestSluice } from "../test/helpers/sluice.ts";
import {
  type BenchContext,
  deadAddress,
  haproxyRssMb,
  ms,
  percentile,
  probe,
  processUsage,
  putMany,
} from "./common.ts";

export const PROBE_SERVICE = '[[service]]\nname = "probe"\nbalance = "roundrobin"\n';

/** The two probe backends: "probe-base" always registered, "probe-new" put and deleted. */
export type ProbeBackends = { base: TestBackend; added: TestBackend };

export type PropagationTargets = { p50: number; p99: number };

/** What a propagation run measured, for figures that compare sizes. */
export type PropagationFigure = { insideP50: number; ackedPutP99: number };

async function timeUnrouted(sluice: TestSluice): Promise<number> {
  let unroutedAt = 0;
  await waitFor(
    "probe unrouted",
    async () => {
      const at = performance.now();
      const first = await probe(sluice);
      const second = await probe(sluice);
      if (first === "probe-base" && second === "probe-base") unroutedAt = at;
      return unroutedAt > 0;
    },
    10_000,
    0,
  );
  return unroutedAt;
}

/** put→routed and delete→unrouted of "probe-new", `context.samples` times each. */
export async function measurePropagation(
  context: BenchContext,
  sluice: TestSluice,
  probes: ProbeBackends,
  label: string,
  targets: PropagationTargets,
): Promise<PropagationFigure> {
  const { etcd, report, samples } = context;
  const sent = { put: [] as number[], delete: [] as number[] };
  const acked = { put: [] as number[], delete: [] as number[] };
  const internalMs: number[] = [];
  const recordInternal = async () => {
    const latency = (await sluice.status()).apply.last_latency_ms;
    if (latency !== null) internalMs.push(latency);
  };
  const reloadsBefore = (await sluice.status()).haproxy.reloads;
  for (let i = 0; i < samples; i++) {
    let start = performance.now();
    await etcd.client.put("/apps/probe/new").value(`probe-new ${probes.added.address}`);
    let ack = performance.now();
    await waitFor("probe routed", async () => (await probe(sluice)) === "probe-new", 10_000, 0);
    sent.put.push(performance.now() - start);
    acked.put.push(performance.now() - ack);
    await recordInternal();
    start = performance.now();
    await etcd.client.delete().key("/apps/probe/new");
    ack = performance.now();
    const unroutedAt = await timeUnrouted(sluice);
    sent.delete.push(unroutedAt - start);
    acked.delete.push(Math.max(0, unroutedAt - ack));
    await recordInternal();
  }
  const reloads = (await sluice.status()).haproxy.reloads - reloadsBefore;
  const pair = (values: number[]) => [percentile(values, 50), percentile(values, 99)] as const;
  const show = ([p50, p99]: readonly [number, number]) => `${ms(p50)} / ${ms(p99)}`;
  const target = `≤ ${Number.isFinite(targets.p50) ? targets.p50 : "-"} / ≤ ${targets.p99} ms`;
  for (const [what, key] of [
    ["put→routed", "put"],
    ["delete→unrouted", "delete"],
  ] as const) {
    const [p50, p99] = pair(acked[key]);
    report(
      `${label}: ${what} p50 / p99 from the request to etcd (n=${samples})`,
      show(pair(sent[key])),
    );
    report(
      `${label}: ${what} p50 / p99 from etcd's acknowledgement`,
      show([p50, p99]),
      target,
      p50 <= targets.p50 && p99 <= targets.p99,
    );
  }
  report(`${label}: inside sluice, etcd event→HAProxy updated p50 / p99`, show(pair(internalMs)));
  report(
    `${label}: reloads during ${samples * 2} probe changes`,
    String(reloads),
    "0",
    reloads === 0,
  );
  return { insideP50: percentile(internalMs, 50), ackedPutP99: percentile(acked.put, 99) };
}

/** The registrations of `services` services of `each` servers (none of them listening). */
function registrations(services: number, each: number): [string, string][] {
  return Array.from({ length: services * each }, (_, i) => {
    const service = services === 1 ? "web" : `svc${Math.floor(i / each)}`;
    return [`/apps/${service}/w${i}`, `w${i} ${deadAddress(i)}`];
  });
}

export type ScaleRun = {
  services: number;
  each: number;
  label: string;
  targets: PropagationTargets;
  /** Extra TOML (e.g. `[health] enabled = false` at 100,000). */
  toml?: string;
  /** Cold start and RSS targets, when this run reports them. */
  start?: { coldStartMs: number; rssMb: number; prefix: string };
};

/** Registers a run's servers, cold-starts sluice on them, and measures propagation beside them. */
export async function measureAtScale(
  context: BenchContext,
  probes: ProbeBackends,
  run: ScaleRun,
): Promise<PropagationFigure> {
  const { etcd, report } = context;
  const count = run.services * run.each;
  await etcd.client.delete().prefix("/apps/");
  await putMany(etcd.client, registrations(run.services, run.each), 4);
  await etcd.client.put("/apps/probe/base").value(`probe-base ${probes.base.address}`);
  const revision = await etcd.revision();
  const spawnedAt = performance.now();
  const sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    extraToml: `${run.toml ?? ""}\n${PROBE_SERVICE}`,
    startTimeoutMs: 60_000,
  });
  try {
    await waitFor(
      `${count} backends served`,
      async () => {
        const s = await sluice.status();
        const served = s.backends === count + 1 && s.apply.revision >= revision;
        return served && (await probe(sluice)) === "probe-base";
      },
      120_000,
      5,
    );
    const coldStart = performance.now() - spawnedAt;
    if (run.start) reportStart(context, sluice, run.start, coldStart);
    const figure = await measurePropagation(context, sluice, probes, run.label, run.targets);
    if (run.start) {
      const rss = processUsage(sluice.pid).rssMb;
      const { prefix, rssMb } = run.start;
      report(
        `${prefix}: sluice RSS after probes`,
        `${rss.toFixed(0)} MB`,
        `≤ ${rssMb} MB`,
        rss <= rssMb,
      );
    }
    return figure;
  } finally {
    await sluice.stop();
    await etcd.client.delete().prefix("/apps/");
  }
}

function reportStart(
  { report }: BenchContext,
  sluice: TestSluice,
  targets: NonNullable<ScaleRun["start"]>,
  coldStart: number,
): void {
  const { prefix } = targets;
  const rss = processUsage(sluice.pid).rssMb;
  report(
    `${prefix}: cold start to serving`,
    ms(coldStart),
    `≤ ${targets.coldStartMs} ms`,
    coldStart <= targets.coldStartMs,
  );
  report(
    `${prefix}: sluice RSS after start`,
    `${rss.toFixed(0)} MB`,
    `≤ ${targets.rssMb} MB`,
    rss <= targets.rssMb,
  );
  report(
    `${prefix}: HAProxy RSS after start (master + workers)`,
    `${haproxyRssMb(sluice.pid).toFixed(0)} MB`,
  );
}
