// The `soak` section of `make bench`: churn at BENCH_SOAK_SERVERS servers (default 10,000, as
// services of 100), one change every 10 ms for BENCH_SOAK_MINUTES (default 3 in `make bench`, 60
// in `make soak`), while a paced load (a request every 5 ms, keep-alive; wrk would take both
// cores and starve the event loop it measures) goes to a separate 4-server service. Prints sluice's RSS every minute,
// the failed requests, the event loop's lag p99 (from /metrics) and RSS at the end against RSS
// after the first minute. Health checks are off: the churned servers are addresses nowhere.

import { startSluice, type TestSluice } from "../test/helpers/sluice.ts";
import {
  type BenchContext,
  deadAddress,
  lagBuckets,
  lagP99Ms,
  processUsage,
  putMany,
  startNotingBackend,
} from "./common.ts";

export const SOAK_MINUTES = Number(process.env.BENCH_SOAK_MINUTES ?? 3);
export const SOAK_SERVERS = Number(process.env.BENCH_SOAK_SERVERS ?? 10_000);
const PER_SERVICE = Math.min(100, SOAK_SERVERS);
const SERVICES = Math.max(1, Math.ceil(SOAK_SERVERS / PER_SERVICE));

/** A request for `host` every 5 ms until stopped; failed: errors and answers other than 200. */
function startSteadyLoad(sluice: TestSluice, host: string) {
  const counts = { requests: 0, failed: 0 };
  const pending = new Set<Promise<void>>();
  const timer = setInterval(() => {
    const request = sluice
      .get("/", { headers: { host } })
      .then(async (response) => {
        await response.arrayBuffer();
        if (response.status !== 200) counts.failed++;
      })
      .catch(() => void counts.failed++)
      .finally(() => {
        counts.requests++;
        pending.delete(request);
      });
    pending.add(request);
  }, 5);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      return counts;
    },
  };
}

/** One change: a server re-registered at another address, removed, or put back. */
async function change(context: BenchContext, n: number): Promise<void> {
  const service = n % SERVICES;
  const index = (n * 7) % PER_SERVICE;
  const key = `/apps/svc${service}/i${index}`;
  const round = Math.floor(n / SERVICES);
  if (round % 3 === 2) await context.etcd.client.delete().key(key);
  else {
    const address = deadAddress(service * PER_SERVICE + index + (round % 50) * SOAK_SERVERS);
    await context.etcd.client.put(key).value(`i${index} ${address}`);
  }
}

async function churn(context: BenchContext, sluice: TestSluice) {
  const curve: number[] = [];
  const started = performance.now();
  let changes = 0;
  let nextMinute = started + 60_000;
  const end = started + SOAK_MINUTES * 60_000;
  while (performance.now() < end) {
    await change(context, changes++);
    // On a schedule of one every 10 ms, not 10 ms after each put returned.
    await Bun.sleep(Math.max(0, started + changes * 10 - performance.now()));
    if (performance.now() >= nextMinute) {
      curve.push(processUsage(sluice.pid).rssMb);
      nextMinute += 60_000;
    }
  }
  return { curve, changes };
}

export async function soakFigures(context: BenchContext): Promise<void> {
  const { etcd, report } = context;
  const steady = Array.from({ length: 4 }, (_, i) => startNotingBackend(`steady-${i}`));
  const entries = Array.from({ length: SERVICES * PER_SERVICE }, (_, i) => {
    const [service, index] = [Math.floor(i / PER_SERVICE), i % PER_SERVICE];
    return [`/apps/svc${service}/i${index}`, `i${index} ${deadAddress(i)}`] as [string, string];
  });
  await putMany(etcd.client, entries, 4);
  for (const b of steady)
    await etcd.client.put(`/apps/steady/${b.name}`).value(`${b.name} ${b.address}`);
  const sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    startTimeoutMs: 60_000,
    extraToml: "[health]\nenabled = false\n",
  });
  try {
    await sluice.waitApplied(await etcd.revision(), 60_000);
    const load = startSteadyLoad(sluice, "steady");
    const [lagBefore, reloadsBefore] = [
      await lagBuckets(sluice),
      (await sluice.status()).haproxy.reloads,
    ];
    const { curve, changes } = await churn(context, sluice);
    const result = await load.stop();
    const lagP99 = lagP99Ms(lagBefore, await lagBuckets(sluice));
    const reloads = (await sluice.status()).haproxy.reloads - reloadsBefore;
    const end = processUsage(sluice.pid).rssMb;
    const label = `soak ${SOAK_MINUTES} min at ${SERVICES * PER_SERVICE} servers`;
    report(
      `${label}: sluice RSS each minute, MB (${changes} changes, ${reloads} reloads)`,
      curve.map((rss) => rss.toFixed(0)).join(", "),
    );
    report(
      `${label}: failed requests under steady load (a request every 5 ms)`,
      `${result.failed} of ${result.requests}`,
      "0",
      result.failed === 0 && result.requests > 0,
    );
    report(`${label}: event-loop lag p99 (bucket bound from /metrics)`, `≤ ${lagP99} ms`);
    const first = curve[0] ?? end;
    const growth = ((end - first) / first) * 100;
    report(
      `${label}: RSS at the end vs after the first minute`,
      `${end.toFixed(0)} MB vs ${first.toFixed(0)} MB (${growth >= 0 ? "+" : ""}${growth.toFixed(1)} %)`,
      "within 10 %",
      Math.abs(growth) <= 10,
    );
  } finally {
    await sluice.stop();
    for (const backend of steady) backend.stop();
    await etcd.client.delete().prefix("/apps/");
  }
}
