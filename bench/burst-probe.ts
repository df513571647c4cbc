// A local probe (not part of `make bench`): registers servers in one burst and polls /healthz
// every 10 ms meanwhile, printing the slow answers, convergence time and sluice's RSS.
//
// PROBE_SERVERS (default 20000) in PROBE_SERVICES services (default 1); PROBE_COLD=1 registers
// them before sluice starts and times the cold start instead; PROBE_SOURCE=1 runs src/main.ts
// under bun (PROBE_PROF=1 adds --cpu-prof-md, written to .tmp/prof on exit); PROBE_WRAP is a
// command prefix (e.g. "prlimit --nofile=4096:4096").

import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Etcd3 } from "etcd3";
import { startEtcd } from "../test/helpers/etcd.ts";
import { waitFor } from "../test/helpers/ports.ts";
import { startSluice, type TestSluice } from "../test/helpers/sluice.ts";

const total = Number(process.env.PROBE_SERVERS ?? 20_000);
const services = Number(process.env.PROBE_SERVICES ?? 1);
const cold = process.env.PROBE_COLD === "1";
const root = join(import.meta.dir, "..");
const bun = join(root, "node_modules", ".bin", "bun");
const profDir = join(root, ".tmp", "prof");

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

function entries(): [string, string][] {
  const perService = Math.ceil(total / services);
  return Array.from({ length: total }, (_, i) => {
    const service = `svc${Math.floor(i / perService)}`;
    return [`/apps/${service}/i${i}`, `i${i} 127.${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}:9`];
  });
}

async function putMany(client: Etcd3, all: [string, string][]): Promise<void> {
  const batches: [string, string][][] = [];
  for (let i = 0; i < all.length; i += 100) batches.push(all.slice(i, i + 100));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      await client
        .if("/probe/never", "Version", "==", 0)
        .then(...batch.map(([key, value]) => client.put(key).value(value)))
        .commit();
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

/** Open loop: one /healthz every 10 ms whether or not the last one answered, so time spent in a
 * stall counts once per 10 ms it lasts. */
function startPolling(sluice: TestSluice) {
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const t0 = performance.now();
  const timer = setInterval(() => {
    const start = performance.now();
    pending.push(
      fetch(`${sluice.adminUrl}/healthz`)
        .then((r) => r.arrayBuffer())
        .catch(() => undefined)
        .then(() => {
          const ms = performance.now() - start;
          latencies.push(ms);
          if (ms > 200)
            console.log(`  slow /healthz at +${(start - t0).toFixed(0)} ms: ${ms.toFixed(0)} ms`);
        }),
    );
  }, 10);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      const sorted = [...latencies].sort((a, b) => a - b);
      const p = (q: number) =>
        sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
      console.log(
        `/healthz open loop n=${sorted.length} p50 ${p(0.5).toFixed(1)} p99 ${p(0.99).toFixed(1)} max ${p(1).toFixed(1)} ms; over 50 ms: ${sorted.filter((v) => v > 50).length}`,
      );
    },
  };
}

const etcd = await startEtcd();
const wrapPrefix = process.env.PROBE_WRAP?.split(" ").filter(Boolean) ?? [];
const wrap = (argv: string[]) => {
  const prof = process.env.PROBE_PROF === "1";
  if (prof) mkdirSync(profDir, { recursive: true });
  const source =
    process.env.PROBE_SOURCE === "1"
      ? [
          bun,
          ...(prof
            ? [
                process.env.PROBE_PROF_JSON === "1" ? "--cpu-prof" : "--cpu-prof-md",
                `--cpu-prof-dir=${profDir}`,
              ]
            : []),
          join(root, "src", "main.ts"),
          ...argv.slice(1),
        ]
      : argv;
  return [...wrapPrefix, ...source];
};
const all = entries();
let startAt = 0;
if (cold) {
  await putMany(etcd.client, all);
  startAt = performance.now();
}
const sluice = await startSluice({
  etcdEndpoint: etcd.endpoint,
  wrap,
  ...(process.env.PROBE_BINARY ? { binary: process.env.PROBE_BINARY } : {}),
  startTimeoutMs: 60_000,
  logLevel: (process.env.PROBE_LOG as "debug") ?? "info",
  logFormat: process.env.PROBE_JSON_LOG === "1" ? "json" : "logfmt",
  extraToml: process.env.PROBE_TOML?.replaceAll("\\n", "\n") ?? "",
});
try {
  const revisionNow = await etcd.revision();
  if (cold) {
    await waitFor(
      "serving",
      async () => {
        const status = await sluice.status();
        return (
          status.haproxy.running && status.apply.revision >= revisionNow && status.backends >= total
        );
      },
      120_000,
      20,
    );
    console.log(
      `cold start with ${total} servers to serving: ${(performance.now() - startAt).toFixed(0)} ms; RSS ${rssMb(sluice.pid).toFixed(0)} MB`,
    );
  } else {
    await sluice.waitApplied(revisionNow, 20_000);
  }
  const polling = startPolling(sluice);
  const poller = Bun.spawn(
    [bun, join(import.meta.dir, "healthz-poller.ts"), `${sluice.adminUrl}/healthz`],
    { stdout: "pipe" },
  );
  await Bun.sleep(200);
  const burstAt = performance.now();
  if (!cold) await putMany(etcd.client, all);
  const ackAt = performance.now();
  const revision = await etcd.revision();
  await waitFor(
    "converged",
    async () => {
      const status = await sluice.status();
      return status.apply.revision >= revision && !status.apply.pending && status.backends >= total;
    },
    Number(process.env.PROBE_WAIT_MS ?? 180_000),
    100,
  ).catch((error) => console.log(String(error).slice(0, 500)));
  console.log(
    `burst of ${total}: acked after ${(ackAt - burstAt).toFixed(0)} ms, converged ${(performance.now() - ackAt).toFixed(0)} ms after the last ack; RSS ${rssMb(sluice.pid).toFixed(0)} MB`,
  );
  await Bun.sleep(1500);
  await polling.stop();
  poller.kill("SIGTERM");
  console.log(`separate poller: ${await new Response(poller.stdout).text()}`);
  const status = await sluice.status();
  console.log(
    JSON.stringify({ haproxy: status.haproxy, apply: status.apply, backends: status.backends }),
  );
} finally {
  const log = sluice.log();
  await sluice.stop().catch((error) => console.log(String(error).slice(0, 2000)));
  console.log(
    log
      .split("\n")
      .filter((line) => (process.env.PROBE_ALL_LOG === "1" ? true : /warn|error|reload/.test(line)))
      .slice(-40)
      .join("\n"),
  );
  await etcd.stop();
}
