// `make bench`: the figures of the hitless-change and scale targets, measured against the
// compiled sluice, a real etcd and HAProxy, and wrk, all on loopback. Prints one table and writes
// bench/RESULTS.md.
//
// Every load is bounded: wrk runs for a fixed duration, churn and probes for a fixed count.
// BENCH_CHURN_SECONDS (default 60) and BENCH_SAMPLES (default 50) shorten a run.
// BENCH_ONLY=render,hitless,… runs only those sections (see results.ts for the list); RESULTS.md
// keeps the other rows. Each section's own knobs are in its file's header.

import { startBackend, type TestBackend } from "../test/helpers/backend.ts";
import { startEtcd } from "../test/helpers/etcd.ts";
import { waitFor } from "../test/helpers/ports.ts";
import { startSluice, type TestSluice } from "../test/helpers/sluice.ts";
import { burstFigures } from "./burst-figure.ts";
import { type BenchContext, ms, percentile, processUsage, putMany, startWrk } from "./common.ts";
import { growthFigures } from "./growth-figure.ts";
import { measureCheckCpu, measureDeathToLastRouted } from "./health-figure.ts";
import { hostmapFigures } from "./hostmap-figure.ts";
import { lbctlFigures } from "./lbctl-section.ts";
import { PROBE_SERVICE, type PropagationFigure } from "./propagation-figure.ts";
import { measureRender } from "./render-figure.ts";
import { type Row, runs, writeResults } from "./results.ts";
import { propagationFigures, scaleFigures } from "./scale-figures.ts";
import { soakFigures } from "./soak-figure.ts";

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 50);
const CHURN_SECONDS = Number(process.env.BENCH_CHURN_SECONDS ?? 60);
const FORCED_RELOADS = 100;
/** The test helper configures `hard_stop_after = "5s"`. */
const HARD_STOP_AFTER_S = 5;

const rows: Row[] = [];
function report(figure: string, value: string, target = "", met?: boolean) {
  rows.push({ figure, value, target, met });
  const mark = met === undefined ? "" : met ? "  [met]" : "  [NOT MET]";
  console.log(`${figure.padEnd(64)} ${value}${target ? `   target ${target}` : ""}${mark}`);
}

const etcd = await startEtcd();
const realBackends: TestBackend[] = Array.from({ length: 10 }, (_, i) => startBackend(`web-${i}`));
const probeBase = startBackend("probe-base");
const probeNew = startBackend("probe-new");
const churnBackends = Array.from({ length: 20 }, (_, i) => startBackend(`churn-${i}`));
const context: BenchContext = { etcd, report, samples: SAMPLES };
const probes = { base: probeBase, added: probeNew };

/**
 * Registers `count` servers for "web": the real backends first, then distinct loopback addresses
 * where nothing listens (HAProxy's checks mark them down; only their number matters here).
 */
async function registerWeb(count: number): Promise<void> {
  await etcd.client.delete().prefix("/apps/web/");
  const entries: [string, string][] = Array.from({ length: count }, (_, i) => {
    const address = realBackends[i]?.address ?? `127.1.${(i >> 8) & 255}.${i & 255}:9`;
    return [`/apps/web/w${i}`, `w${i} ${address}`];
  });
  await putMany(etcd.client, entries);
}

/** One membership change every 100 ms for CHURN_SECONDS while wrk loads "web". */
async function measureChurn(sluice: TestSluice, label: string, keepAlive: boolean) {
  const before = await sluice.status();
  const usageBefore = processUsage(sluice.pid);
  const wrk = startWrk(`http://127.0.0.1:${sluice.httpPort}/`, CHURN_SECONDS, keepAlive, "web");
  const deadline = Date.now() + CHURN_SECONDS * 1000 - 500;
  let changes = 0;
  let peakRss = usageBefore.rssMb;
  const live = new Set<number>();
  while (Date.now() < deadline) {
    const i = changes % churnBackends.length;
    const key = `/apps/web/churn-${i}`;
    if (live.has(i)) {
      await etcd.client.delete().key(key);
      live.delete(i);
    } else {
      await etcd.client.put(key).value(`churn-${i} ${churnBackends[i]!.address}`);
      live.add(i);
    }
    changes++;
    peakRss = Math.max(peakRss, processUsage(sluice.pid).rssMb);
    await Bun.sleep(100);
  }
  const result = await wrk;
  for (const i of live) await etcd.client.delete().key(`/apps/web/churn-${i}`);
  const after = await sluice.status();
  const usageAfter = processUsage(sluice.pid);
  const cpuPercent = ((usageAfter.cpuSeconds - usageBefore.cpuSeconds) / CHURN_SECONDS) * 100;
  const per10k = (result.failed / Math.max(1, result.requests)) * 10_000;
  const kind = keepAlive ? "keep-alive" : "new connections";
  return {
    per10k,
    reloads: after.haproxy.reloads - before.haproxy.reloads,
    row: () =>
      report(
        `${label}: failed per 10k during churn (${kind}; ${changes} changes)`,
        `${per10k.toFixed(2)} (${result.failed} of ${result.requests}; ${result.detail})`,
      ),
    usage: `sluice RSS peak ${peakRss.toFixed(0)} MB, CPU ${cpuPercent.toFixed(1)} % of a core`,
    workers: after.haproxy.workers.length,
  };
}

async function forcedReloads(sluice: TestSluice, keepAlive: boolean) {
  const seconds = 30;
  const wrk = startWrk(`http://127.0.0.1:${sluice.httpPort}/`, seconds, keepAlive, "web");
  await Bun.sleep(300);
  let maxWorkers = 0;
  for (let i = 0; i < FORCED_RELOADS; i++) {
    const response = await sluice.reload();
    if (!response.ok) throw new Error(`reload failed: ${await response.text()}`);
    maxWorkers = Math.max(maxWorkers, (await sluice.status()).haproxy.workers.length);
  }
  const reloadsDoneAt = performance.now();
  const drained = await waitFor(
    "old workers to leave",
    async () =>
      (await sluice.status()).haproxy.workers.length === 1 ? performance.now() : undefined,
    (HARD_STOP_AFTER_S + 30) * 1000,
    50,
  ).catch(() => Number.NaN);
  const result = await wrk;
  return { result, oldWorkersMax: maxWorkers - 1, drainedMs: drained - reloadsDoneAt };
}

/** Section 1: membership churn against the baseline, and forced reloads. */
async function hitlessFigures(): Promise<void> {
  // 1. Membership churn with the runtime API (master-worker), and the confd-like baseline.
  await registerWeb(10);
  const modes = [
    { label: "sluice (runtime API, master-worker)", toml: "", mode: "master-worker" as const },
    {
      label: "baseline (runtime_api = false, sf)",
      toml: "[apply]\nruntime_api = false\n",
      mode: "sf" as const,
    },
  ];
  const churn: Record<string, { per10k: number; reloads: number }[]> = {};
  for (const { label, toml, mode } of modes) {
    const sluice = await startSluice({
      etcdEndpoint: etcd.endpoint,
      mode,
      haproxyToml: "spare_slots = 32",
      extraToml: `${toml}${PROBE_SERVICE}`,
    });
    try {
      await etcd.client.put("/apps/probe/base").value(`probe-base ${probeBase.address}`);
      await waitFor("web and probe", async () => (await sluice.status()).backends === 11, 10_000);
      churn[label] = [];
      for (const keepAlive of [true, false]) {
        const outcome = await measureChurn(sluice, label, keepAlive);
        outcome.row();
        churn[label]!.push(outcome);
        if (mode === "master-worker") {
          report(`${label}: ${outcome.usage}`, "");
        }
      }
      const reloads = churn[label]!.reduce((a, c) => a + c.reloads, 0);
      report(
        `${label}: reloads during membership churn`,
        String(reloads),
        mode === "master-worker" ? "0" : "",
        mode === "master-worker" ? reloads === 0 : undefined,
      );
      if (mode === "master-worker") {
        const ok = churn[label]!.every((c) => c.per10k === 0);
        report(`${label}: zero failed requests during churn`, ok ? "yes" : "no", "0 failed", ok);
        for (const keepAlive of [true, false]) {
          const forced = await forcedReloads(sluice, keepAlive);
          const kind = keepAlive ? "keep-alive" : "new connections";
          report(
            `${FORCED_RELOADS} forced reloads (${kind}): failed requests`,
            `${forced.result.failed} of ${forced.result.requests} (${forced.result.detail})`,
            "0",
            forced.result.failed === 0,
          );
          report(
            `${FORCED_RELOADS} forced reloads (${kind}): most old workers at once / all gone after`,
            `${forced.oldWorkersMax} / ${ms(forced.drainedMs)}`,
            `≤ 3 / ≤ ${HARD_STOP_AFTER_S}s`,
            forced.oldWorkersMax <= 3 && forced.drainedMs <= HARD_STOP_AFTER_S * 1000,
          );
        }
      }
    } finally {
      await sluice.stop();
      await etcd.client.delete().prefix("/apps/probe/");
    }
  }
  const [ours, baseline] = modes.map((m) => churn[m.label]!);
  for (const [index, kind] of ["keep-alive", "new connections"].entries()) {
    const a = ours![index]!.per10k;
    const b = baseline![index]!.per10k;
    report(
      `baseline / sluice failed-request ratio (${kind})`,
      a === 0
        ? b === 0
          ? "both 0"
          : `∞ (baseline ${b.toFixed(2)} per 10k, sluice 0)`
        : (b / a).toFixed(1),
    );
  }
  const baseReloads = baseline!.reduce((x, c) => x + c.reloads, 0);
  const ourReloads = ours!.reduce((x, c) => x + c.reloads, 0);
  report("reloads during churn, baseline vs sluice", `${baseReloads} vs ${ourReloads}`);
}

/** The sections of issue 14: propagation and scale, growth, bursts, Host routing, the soak. */
async function scaleSections(): Promise<void> {
  let atTen: PropagationFigure | undefined;
  if (runs("propagation")) atTen = await propagationFigures(context, probes);
  if (runs("scale100k")) await scaleFigures(context, probes, atTen);
  if (runs("growth")) await growthFigures(context);
  if (runs("burst")) await burstFigures(context);
  if (runs("hostmap")) await hostmapFigures(report);
  if (runs("soak")) await soakFigures(context);
}

const startedAt = new Date();
// 0. Rendering, in process: how long an apply of a 10,000-server service blocks the event loop.
if (runs("render")) {
  const times = measureRender(10_000, SAMPLES);
  const [p50, p99] = [percentile(times, 50), percentile(times, 99)];
  report(
    "render of 10,000 servers p50 / p99",
    `${ms(p50)} / ${ms(p99)}`,
    "p99 ≤ 500 ms",
    p99 <= 500,
  );
}
try {
  if (runs("hitless")) await hitlessFigures();
  // 3. Active health checks: death → last routed request, and the CPU of checking 10,000.
  if (runs("health")) {
    await measureDeathToLastRouted(etcd, report);
    await measureCheckCpu(etcd, (entries) => putMany(etcd.client, entries), report);
  }
  // 4. The operator's commands: lbctl register into a running service.
  if (runs("lbctl")) await lbctlFigures(context, probes);
  await scaleSections();
} finally {
  for (const backend of [...realBackends, probeBase, probeNew, ...churnBackends]) backend.stop();
  await etcd.stop();
}

writeResults(rows, startedAt, CHURN_SECONDS);
