// The health-check figures of `make bench` (also alone: `BENCH_ONLY=health bun bench/bench.ts`):
// (a) from a backend's death to the last request HAProxy routes to it, with interval 1 s and
// fall 2; (b) sluice's and HAProxy's CPU while 10,000 backends are checked every 2 s.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sendBatch } from "../src/haproxy/runtime.ts";
import type { TestEtcd } from "../test/helpers/etcd.ts";
import { freePort, waitFor } from "../test/helpers/ports.ts";
import { startSluice, type TestSluice } from "../test/helpers/sluice.ts";

export type Report = (figure: string, value: string, target?: string, met?: boolean) => void;

const DEATHS = Math.max(20, Number(process.env.BENCH_HEALTH_DEATHS ?? 24));
const CPU_SECONDS = Math.max(30, Number(process.env.BENCH_HEALTH_CPU_SECONDS ?? 30));
const CHECKED = 10_000;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** CPU seconds a process has used (user + system), from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(stat[11]) + Number(stat[12])) / 100;
}

/** An HTTP backend on a fixed port that can die (listener closed) and come back. */
function revivableBackend(name: string) {
  const port = freePort();
  let server: ReturnType<typeof Bun.serve> | undefined;
  const start = () => {
    server = Bun.serve({ hostname: "127.0.0.1", port, fetch: () => new Response(name) });
  };
  start();
  return {
    name,
    address: `127.0.0.1:${port}`,
    kill: () => server?.stop(true),
    revive: start,
  };
}

/** The `show stat` CSV line of the server at `address` in `backend`, as fields. */
async function statOf(socket: string, backend: string, address: string): Promise<string[]> {
  const [reply] = await sendBatch(socket, [`show stat ${backend} 4 -1`]);
  const line = reply?.split("\n").find((candidate) => candidate.includes(`,${address},`));
  if (!line) throw new Error(`${backend}: no server at ${address}`);
  return line.split(",");
}

/** Column indexes of `show stat` (HAProxy 2.6 and 3.x agree on these). */
const STATUS = 17;
const LBTOT = 30;

/** Requests through HAProxy, one after another, for as long as `running()` holds. */
async function steadyLoad(sluice: TestSluice, host: string, running: () => boolean) {
  while (running()) {
    await sluice.get("/", { headers: { host } }).then(
      (response) => response.arrayBuffer(),
      () => undefined,
    );
  }
}

/** (a): kill a backend under load; when did HAProxy last pick it (its `lbtot` last grew)? */
export async function measureDeathToLastRouted(etcd: TestEtcd, report: Report): Promise<void> {
  const service = "dying";
  await etcd.client.delete().prefix("/apps/");
  const backends = Array.from({ length: 4 }, (_, i) => revivableBackend(`dying-${i}`));
  const sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    extraToml: `[health]\ninterval = "1s"\nfall = 2\nrise = 2\n\n[[service]]\nname = "${service}"\nbalance = "roundrobin"\n`,
  });
  const socket = join(sluice.dir, "run", "haproxy.sock");
  let loading = true;
  const load = steadyLoad(sluice, service, () => loading);
  const samples: number[] = [];
  try {
    for (const backend of backends) {
      await etcd.client
        .put(`/apps/${service}/${backend.name}`)
        .value(`${backend.name} ${backend.address}`);
    }
    const allUp = async () => {
      for (const backend of backends) {
        const fields = await statOf(socket, service, backend.address).catch(() => []);
        if (fields[STATUS] !== "UP") return false;
      }
      return true;
    };
    await waitFor("4 servers up", allUp, 15_000, 50);
    const reloads = (await sluice.status()).haproxy.reloads;
    for (let death = 0; death < DEATHS; death++) {
      const victim = backends[death % backends.length]!;
      // Deaths at random points of the check cycle.
      await Bun.sleep(Math.random() * 1000);
      const killedAt = performance.now();
      let lastPicked = Number((await statOf(socket, service, victim.address))[LBTOT]);
      let lastPickedAt = killedAt;
      victim.kill();
      let downAt = 0;
      // Watch until it has been DOWN for 500 ms, so a late pick would still be seen.
      while (downAt === 0 || performance.now() - downAt < 500) {
        const fields = await statOf(socket, service, victim.address);
        const picked = Number(fields[LBTOT]);
        if (picked !== lastPicked) [lastPicked, lastPickedAt] = [picked, performance.now()];
        if (downAt === 0 && fields[STATUS]?.startsWith("DOWN")) downAt = performance.now();
        if (performance.now() - killedAt > 10_000)
          throw new Error(`${victim.name} never went down`);
        await Bun.sleep(5);
      }
      samples.push(lastPickedAt - killedAt);
      victim.revive();
      await waitFor(
        `${victim.name} up`,
        async () => (await statOf(socket, service, victim.address))[STATUS] === "UP",
        10_000,
        50,
      );
    }
    const after = await sluice.status();
    const [p50, p99] = [percentile(samples, 50), percentile(samples, 99)];
    report(
      `health: backend death → last routed request p50 / p99 (interval 1s, fall 2, n=${samples.length})`,
      `${(p50 / 1000).toFixed(2)} s / ${(p99 / 1000).toFixed(2)} s`,
      "≤ 3 s (fall × interval + 1 s)",
      p99 <= 3000,
    );
    report(
      `health: reloads during ${samples.length} deaths and returns`,
      String(after.haproxy.reloads - reloads),
      "0",
      after.haproxy.reloads === reloads,
    );
  } finally {
    loading = false;
    await load;
    await sluice.stop();
    for (const backend of backends) backend.kill();
    await etcd.client.delete().prefix(`/apps/${service}/`);
  }
}

/** Listeners for TCP checks. HAProxy resets a check's connection as soon as the SYN-ACK comes
 * back, before the listener accepts it, so they cannot count checks themselves. */
function checkTargets(count: number) {
  const listeners = Array.from({ length: count }, () =>
    Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } }),
  );
  return {
    ports: listeners.map((listener) => listener.port),
    stop: () => {
      for (const listener of listeners) listener.stop(true);
    },
  };
}

/** The machine's TCP active opens so far (/proc/net/snmp): each check is one connect(). */
function activeOpens(): number {
  const lines = readFileSync("/proc/net/snmp", "utf8")
    .split("\n")
    .filter((line) => line.startsWith("Tcp:"));
  const [names, values] = lines.map((line) => line.split(/\s+/));
  return Number(values?.[names?.indexOf("ActiveOpens") ?? -1] ?? Number.NaN);
}

/** (b): 10,000 servers (on 50 loopback ports) checked every 2 s: CPU of sluice and HAProxy. */
export async function measureCheckCpu(
  etcd: TestEtcd,
  putMany: (entries: [string, string][]) => Promise<void>,
  report: Report,
): Promise<void> {
  const targets = checkTargets(50);
  // Only these are counted up: what other sections registered goes first.
  await etcd.client.delete().prefix("/apps/");
  await putMany(
    Array.from({ length: CHECKED }, (_, i) => [
      `/apps/checked/c${i}`,
      `c${i} 127.0.0.1:${targets.ports[i % targets.ports.length]}`,
    ]),
  );
  const sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    extraToml: '[health]\ninterval = "2s"\n',
    startTimeoutMs: 30_000,
  });
  try {
    await waitFor(
      `${CHECKED} servers up`,
      async () => (await sluice.status()).health.up === CHECKED,
      60_000,
      200,
    );
    const status = await sluice.status();
    const haproxyPids = [status.haproxy.pid, ...status.haproxy.workers].filter(
      (pid): pid is number => typeof pid === "number",
    );
    const usage = () => ({
      sluice: cpuSeconds(sluice.pid),
      haproxy: haproxyPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0),
      opens: activeOpens(),
      at: performance.now(),
    });
    const before = usage();
    await Bun.sleep(CPU_SECONDS * 1000);
    const after = usage();
    const seconds = (after.at - before.at) / 1000;
    const percent = (cpu: number) => `${((cpu / seconds) * 100).toFixed(1)} %`;
    const sluicePercent = ((after.sluice - before.sluice) / seconds) * 100;
    const end = await sluice.status();
    report(
      `health: ${CHECKED} backends checked every 2 s: sluice CPU (${seconds.toFixed(0)} s, polling every 1 s)`,
      `${percent(after.sluice - before.sluice)} of a core`,
      "≤ 10 %",
      sluicePercent <= 10,
    );
    report(
      `health: ${CHECKED} backends checked every 2 s: HAProxy CPU (master + worker)`,
      `${percent(after.haproxy - before.haproxy)} of a core`,
    );
    report(
      `health: ${CHECKED} backends checked every 2 s: TCP connects per second on the machine (the checks, and any other traffic) / servers up`,
      `${((after.opens - before.opens) / seconds).toFixed(0)} / ${end.health.up}`,
      `≥ ${CHECKED / 2} / ${CHECKED}`,
    );
  } finally {
    await sluice.stop();
    targets.stop();
    await etcd.client.delete().prefix("/apps/checked/");
  }
}
