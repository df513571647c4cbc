// `make bench`: propagation latency (etcd put → routed, delete → unrouted) and failed requests
// during forced reloads, against the compiled sluice, a real etcd and HAProxy on loopback.
// Prints a table and writes bench/RESULTS.md.

import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { startBackend } from "../test/helpers/backend.ts";
import { startEtcd } from "../test/helpers/etcd.ts";
import { startLoad } from "../test/helpers/load.ts";
import { waitFor } from "../test/helpers/ports.ts";
import { startSluice } from "../test/helpers/sluice.ts";

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 50);
const RELOADS = Number(process.env.BENCH_RELOADS ?? 100);
const BACKENDS = 10;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN
  );
}

const rows: string[][] = [];
function row(...cells: (string | number)[]) {
  rows.push(cells.map(String));
  console.log(cells.join("  |  "));
}

const etcd = await startEtcd();
const backends = Array.from({ length: BACKENDS }, (_, i) => startBackend(`web-${i}`));
const probe = startBackend("probe-1");
for (const backend of backends) {
  await etcd.client.put(`/apps/web/${backend.name}`).value(`${backend.name} ${backend.address}`);
}

try {
  for (const mode of ["master-worker", "sf"] as const) {
    const sluice = await startSluice({ etcdEndpoint: etcd.endpoint, mode });
    try {
      await waitFor("backends", async () => (await sluice.status()).backends === BACKENDS, 10_000);
      const probeGet = () =>
        sluice
          .get("/", { headers: { host: "probe" } })
          .then(async (r) => (r.status === 200 ? await r.text() : r.status));

      // Propagation: a service "probe" with one server, registered and deleted in turn.
      let lastRevision = "0";
      const putMs: number[] = [];
      const deleteMs: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        let start = performance.now();
        await etcd.client.put("/apps/probe/p1").value(`probe-1 ${probe.address}`);
        await waitFor("probe routed", async () => (await probeGet()) === "probe-1", 10_000, 1);
        putMs.push(performance.now() - start);
        start = performance.now();
        lastRevision = (await etcd.client.delete().key("/apps/probe/p1")).header.revision;
        await waitFor("probe unrouted", async () => (await probeGet()) !== "probe-1", 10_000, 1);
        deleteMs.push(performance.now() - start);
      }
      const fmt = (v: number) => v.toFixed(1);
      row(
        mode,
        `put→routed ms (n=${SAMPLES})`,
        `p50 ${fmt(percentile(putMs, 50))}`,
        `p99 ${fmt(percentile(putMs, 99))}`,
      );
      row(
        mode,
        `delete→unrouted ms (n=${SAMPLES})`,
        `p50 ${fmt(percentile(deleteMs, 50))}`,
        `p99 ${fmt(percentile(deleteMs, 99))}`,
      );

      await sluice.waitApplied(lastRevision);

      // Failed requests while HAProxy reloads, for keep-alive and new-connection clients.
      for (const keepAlive of [true, false]) {
        const load = startLoad({
          url: `http://127.0.0.1:${sluice.httpPort}/`,
          concurrency: 4,
          keepAlive,
          headers: { host: "web" },
          maxMs: 120_000,
          maxRequests: 1_000_000,
        });
        const reloadsBefore = (await sluice.status()).haproxy.reloads;
        for (let i = 0; i < RELOADS; i++) {
          const response = await fetch(`${sluice.adminUrl}/v1/reload`, { method: "POST" });
          if (!response.ok) throw new Error(`reload failed: ${await response.text()}`);
        }
        const result = await load.stop();
        const reloads = (await sluice.status()).haproxy.reloads - reloadsBefore;
        const total = result.ok + result.failed;
        row(
          mode,
          `failed requests during ${reloads} reloads (${keepAlive ? "keep-alive" : "new connections"})`,
          `${result.failed} of ${total}`,
          `${((result.failed / Math.max(1, total)) * 10_000).toFixed(2)} per 10k`,
        );
      }
    } finally {
      await sluice.stop();
    }
  }
} finally {
  for (const backend of [...backends, probe]) backend.stop();
  await etcd.stop();
}

const table = [
  "| mode | figure | value | value |",
  "| --- | --- | --- | --- |",
  ...rows.map((cells) => `| ${cells.join(" | ")} |`),
].join("\n");
const report = `# make bench: latest results

Run ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"}, ${BACKENDS} backends,
compiled dist/sluice, HAProxy and etcd on loopback. Every change reloads HAProxy (the runtime
API path is not built yet).

${table}
`;
writeFileSync(join(import.meta.dir, "RESULTS.md"), report);
console.log(`\n${table}\n\nwritten to bench/RESULTS.md`);
