// `make bench`: the figures of the hitless-change targets, measured against the compiled sluice,
// a real etcd and HAProxy, and wrk, all on loopback. Prints one table and writes bench/RESULTS.md.
//
// Every load is bounded: wrk runs for a fixed duration, churn and probes for a fixed count.
// BENCH_CHURN_SECONDS (default 60) and BENCH_SAMPLES (default 50) shorten a run.
// BENCH_ONLY=render,hitless,health,lbctl runs only those sections; RESULTS.md keeps the other rows.

import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import type { Etcd3 } from "etcd3";
import { startBackend, type TestBackend } from "../test/helpers/backend.ts";
import { startEtcd } from "../test/helpers/etcd.ts";
import { waitFor } from "../test/helpers/ports.ts";
import { startSluice, type TestSluice } from "../test/helpers/sluice.ts";
import { measureCheckCpu, measureDeathToLastRouted } from "./health-figure.ts";
import { measureLbctlStatus } from "./lbctl-figure.ts";
import { measureRegister } from "./register-figure.ts";
import { measureRender } from "./render-figure.ts";

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 50);
const SECTIONS = ["render", "hitless", "health", "lbctl"] as const;
type Section = (typeof SECTIONS)[number];
const ONLY = process.env.BENCH_ONLY?.split(",") as Section[] | undefined;
const runs = (section: Section) => ONLY === undefined || ONLY.includes(section);
/** Which section a figure of RESULTS.md belongs to, by how its name starts. */
function sectionOf(figure: string): Section {
  if (figure.startsWith("health:")) return "health";
  if (figure.startsWith("lbctl")) return "lbctl";
  return figure.startsWith("render") ? "render" : "hitless";
}
const CHURN_SECONDS = Number(process.env.BENCH_CHURN_SECONDS ?? 60);
const FORCED_RELOADS = 100;
/** The test helper configures `hard_stop_after = "5s"`. */
const HARD_STOP_AFTER_S = 5;

type Row = { figure: string; value: string; target: string; met: boolean | undefined };
const rows: Row[] = [];
function report(figure: string, value: string, target = "", met?: boolean) {
  rows.push({ figure, value, target, met });
  const mark = met === undefined ? "" : met ? "  [met]" : "  [NOT MET]";
  console.log(`${figure.padEnd(64)} ${value}${target ? `   target ${target}` : ""}${mark}`);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

const ms = (v: number) => `${v.toFixed(1)} ms`;

/** Resident memory (MB) and CPU seconds used so far by a process. */
function processUsage(pid: number): { rssMb: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const ticks = Number(stat[11]) + Number(stat[12]);
  return { rssMb: rssKb / 1024, cpuSeconds: ticks / 100 };
}

type WrkResult = { requests: number; failed: number; detail: string };

/** Runs wrk for `seconds` against `url`; failed = socket errors + non-2xx/3xx answers. */
function startWrk(
  url: string,
  seconds: number,
  keepAlive: boolean,
  host: string,
): Promise<WrkResult> {
  const args = ["wrk", "-t2", "-c8", `-d${seconds}s`, "-H", `Host: ${host}`];
  if (!keepAlive) args.push("-H", "Connection: close");
  const child = Bun.spawn([...args, url], { stdout: "pipe", stderr: "pipe" });
  return new Response(child.stdout).text().then((out) => {
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    return {
      requests,
      failed: socketErrors + non2xx,
      detail: socket
        ? `socket errors ${socket.slice(1).join("/")}, non-2xx ${non2xx}`
        : `non-2xx ${non2xx}`,
    };
  });
}

async function putMany(client: Etcd3, entries: [string, string][]): Promise<void> {
  for (let i = 0; i < entries.length; i += 100) {
    const txn = client.if("/bench/never", "Version", "==", 0);
    await txn
      .then(...entries.slice(i, i + 100).map(([key, value]) => client.put(key).value(value)))
      .commit();
  }
}

const etcd = await startEtcd();
const realBackends: TestBackend[] = Array.from({ length: 10 }, (_, i) => startBackend(`web-${i}`));
const probeBase = startBackend("probe-base");
const probeNew = startBackend("probe-new");
const churnBackends = Array.from({ length: 20 }, (_, i) => startBackend(`churn-${i}`));
const probeService = '[[service]]\nname = "probe"\nbalance = "roundrobin"\n';

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

async function probe(sluice: TestSluice): Promise<string> {
  const response = await sluice.get("/", { headers: { host: "probe", connection: "close" } });
  return response.status === 200 ? await response.text() : `HTTP ${response.status}`;
}

/** put→routed and delete→unrouted for a server of a 2-server round-robin service. */
async function measurePropagation(
  sluice: TestSluice,
  label: string,
  p50Target: number,
  p99Target: number,
) {
  const sent = { put: [] as number[], delete: [] as number[] };
  const acked = { put: [] as number[], delete: [] as number[] };
  const internalMs: number[] = [];
  const recordInternal = async () => {
    const latency = (await sluice.status()).apply.last_latency_ms;
    if (latency !== null) internalMs.push(latency);
  };
  const reloadsBefore = (await sluice.status()).haproxy.reloads;
  for (let i = 0; i < SAMPLES; i++) {
    let start = performance.now();
    await etcd.client.put("/apps/probe/new").value(`probe-new ${probeNew.address}`);
    let ack = performance.now();
    await waitFor("probe routed", async () => (await probe(sluice)) === "probe-new", 10_000, 0);
    sent.put.push(performance.now() - start);
    acked.put.push(performance.now() - ack);
    await recordInternal();
    start = performance.now();
    await etcd.client.delete().key("/apps/probe/new");
    ack = performance.now();
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
    sent.delete.push(unroutedAt - start);
    acked.delete.push(Math.max(0, unroutedAt - ack));
    await recordInternal();
  }
  const reloads = (await sluice.status()).haproxy.reloads - reloadsBefore;
  const pair = (values: number[]) => [percentile(values, 50), percentile(values, 99)] as const;
  const show = ([p50, p99]: readonly [number, number]) => `${ms(p50)} / ${ms(p99)}`;
  const target = `≤ ${Number.isFinite(p50Target) ? p50Target : "-"} / ≤ ${p99Target} ms`;
  for (const [what, key] of [
    ["put→routed", "put"],
    ["delete→unrouted", "delete"],
  ] as const) {
    const [p50, p99] = pair(acked[key]);
    report(
      `${label}: ${what} p50 / p99 from the request to etcd (n=${SAMPLES})`,
      show(pair(sent[key])),
    );
    report(
      `${label}: ${what} p50 / p99 from etcd's acknowledgement`,
      show([p50, p99]),
      target,
      p50 <= p50Target && p99 <= p99Target,
    );
  }
  report(`${label}: inside sluice, etcd event→HAProxy updated p50 / p99`, show(pair(internalMs)));
  report(
    `${label}: reloads during ${SAMPLES * 2} probe changes`,
    String(reloads),
    "0",
    reloads === 0,
  );
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

/** `lbctl register` of a probe backend: to routed, from the spawn and from the key in etcd. */
async function reportRegister(sluice: TestSluice) {
  const times = await measureRegister({
    client: etcd.client,
    etcdEndpoint: etcd.endpoint,
    sluice,
    service: "probe",
    backend: probeNew,
    samples: Math.min(SAMPLES, 20),
    probe,
  });
  const show = (values: number[]) =>
    `${ms(percentile(values, 50))} / ${ms(percentile(values, 99))}`;
  const n = times.fromSpawn.length;
  report(`lbctl register→routed p50 / p99 from spawning lbctl (n=${n})`, show(times.fromSpawn));
  report("lbctl register→routed p50 / p99 from the key appearing in etcd", show(times.fromKey));
  report("lbctl register SIGTERM→no longer routed p50 / p99", show(times.stopToGone));
}

/** Section 4: lbctl against a daemon serving the 2-server probe service. */
async function lbctlFigures(): Promise<void> {
  const sluice = await startSluice({ etcdEndpoint: etcd.endpoint, extraToml: probeService });
  try {
    await etcd.client.put("/apps/probe/base").value(`probe-base ${probeBase.address}`);
    await waitFor("probe", async () => (await probe(sluice)) === "probe-base", 10_000);
    await reportRegister(sluice);
    await reportLbctl(sluice);
  } finally {
    await sluice.stop();
  }
}

/** `lbctl status` spawned against the daemon: lazy loading keeps it under 50 ms at p50. */
async function reportLbctl(sluice: TestSluice) {
  const times = await measureLbctlStatus(sluice.adminUrl, SAMPLES);
  const p50 = percentile(times, 50);
  report(
    `lbctl status p50 / p99, spawn to exit (n=${times.length})`,
    `${ms(p50)} / ${ms(percentile(times, 99))}`,
    "p50 < 50 ms",
    p50 < 50,
  );
}

/** Sections 1 and 2: membership churn against the baseline, and propagation at scale. */
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
      extraToml: `${toml}${probeService}`,
    });
    try {
      await etcd.client.put("/apps/probe/base").value(`probe-base ${probeBase.address}`);
      await waitFor("web and probe", async () => (await sluice.status()).backends === 11, 10_000);
      if (mode === "master-worker") await measurePropagation(sluice, "10 backends", 5, 50);
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

  // 2. Propagation at 1,000 and 10,000 backends, and the 10,000-backend cold start.
  for (const [count, p50, p99] of [
    [1000, 5, 50],
    [10_000, Number.POSITIVE_INFINITY, 200],
  ] as const) {
    await registerWeb(count);
    await etcd.client.put("/apps/probe/base").value(`probe-base ${probeBase.address}`);
    const spawnedAt = performance.now();
    const sluice = await startSluice({
      etcdEndpoint: etcd.endpoint,

      extraToml: probeService,
      startTimeoutMs: 30_000,
    });
    try {
      await waitFor(
        `${count} backends served`,
        async () => {
          const s = await sluice.status();
          return s.backends === count + 1 && (await probe(sluice)) === "probe-base";
        },
        60_000,
        5,
      );
      const coldStart = performance.now() - spawnedAt;
      const rss = processUsage(sluice.pid).rssMb;
      if (count === 10_000) {
        report(
          `${count} backends: cold start to serving`,
          ms(coldStart),
          "≤ 3000 ms",
          coldStart <= 3000,
        );
        report(
          `${count} backends: sluice RSS after start`,
          `${rss.toFixed(0)} MB`,
          "≤ 150 MB",
          rss <= 150,
        );
      }
      await measurePropagation(sluice, `${count} backends`, p50, p99);
      if (count === 10_000) {
        const rssAfter = processUsage(sluice.pid).rssMb;
        report(
          `${count} backends: sluice RSS after probes`,
          `${rssAfter.toFixed(0)} MB`,
          "≤ 150 MB",
          rssAfter <= 150,
        );
      }
    } finally {
      await sluice.stop();
    }
  }
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
  if (runs("lbctl")) await lbctlFigures();
} finally {
  for (const backend of [...realBackends, probeBase, probeNew, ...churnBackends]) backend.stop();
  await etcd.stop();
}

const resultsFile = join(import.meta.dir, "RESULTS.md");
/** Table rows of the last RESULTS.md from the sections not run now (a partial run keeps them). */
function keptRows(): string[] {
  if (ONLY === undefined) return [];
  const old = readFileSync(resultsFile, "utf8").split("\n");
  return old.filter(
    (line) =>
      /^\| (?!figure |--- )/.test(line) && !runs(sectionOf(line.slice(2, line.indexOf(" |")))),
  );
}
const table = [
  "| figure | value | target | met |",
  "| --- | --- | --- | --- |",
  ...[
    ...keptRows(),
    ...rows.map(
      (r) =>
        `| ${r.figure} | ${r.value} | ${r.target} | ${r.met === undefined ? "" : r.met ? "yes" : "**no**"} |`,
    ),
  ].sort(
    (a, b) => SECTIONS.indexOf(sectionOf(a.slice(2))) - SECTIONS.indexOf(sectionOf(b.slice(2))),
  ),
].join("\n");
const cpu = cpus()[0]?.model ?? "unknown CPU";
const partial = ONLY
  ? ` (sections ${ONLY.join(", ")}; the other rows are from an earlier run)`
  : "";
writeFileSync(
  resultsFile,
  `# make bench: latest results

Run ${startedAt.toISOString()}${partial} on ${cpus().length} × ${cpu}. Compiled dist/sluice, HAProxy, etcd,
wrk (2 threads, 8 connections) and the test backends all on loopback. Churn: one membership
change every 100 ms for ${CHURN_SECONDS} s in a 10-server service. Propagation: a server added to and
removed from a 2-server round-robin service, timed until the first request it answers and until two
requests in a row miss it, beside a service of 10 / 1,000 / 10,000 servers. Health: a backend of a
4-server service dies (its listener closes) under sequential load, again and again; "last routed" is
the last time HAProxy picked it (its \`lbtot\` grew, read every 5 ms); and 10,000 servers on 50
loopback ports checked by TCP every 2 s, CPU from /proc/PID/stat.

${table}
`,
);
console.log("\nwritten to bench/RESULTS.md");
