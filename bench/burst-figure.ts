// The `burst` section of `make bench`: BENCH_BURST_SMALL (default 500) instances of a new service
// registered at once, timed from the last acknowledgement until every one of them has answered a
// request through HAProxy (16 request loops run meanwhile); then BENCH_BURST_LARGE (default
// 20,000) at once, timed until sluice has applied them all, with /healthz polled every 10 ms (by
// a process at nice -10, while etcd and the puts run at nice 10: see withLoadBehind) and sluice's
// own event-loop lag read from /metrics. Health checks are off: 20,000 checked servers would need more descriptors than the machine's
// hard limit allows.

import { startSluice, type TestSluice } from "../test/helpers/sluice.ts";
import {
  type BenchContext,
  deadAddress,
  lagBuckets,
  lagMaxMs,
  lagP99Ms,
  ms,
  type NotingBackend,
  putMany,
  startHealthzPoller,
  startNotingBackend,
  waitNoReloadDue,
  withLoadBehind,
} from "./common.ts";

export const BURST_SMALL = Number(process.env.BENCH_BURST_SMALL ?? 500);
export const BURST_LARGE = Number(process.env.BENCH_BURST_LARGE ?? 20_000);
/** How long the large burst may take to converge before it is reported as not converging. */
const LARGE_WAIT_MS = Number(process.env.BENCH_BURST_WAIT_S ?? 120) * 1000;

/** Requests for `host` from `loops` sequential loops until `done()` or the deadline. */
async function loadUntil(sluice: TestSluice, host: string, done: () => boolean, deadline: number) {
  const url = `http://127.0.0.1:${sluice.httpPort}/`;
  const loop = async () => {
    while (!done() && performance.now() < deadline) {
      await fetch(url, { headers: { host } })
        .then((response) => response.arrayBuffer())
        .catch(() => Bun.sleep(1));
    }
  };
  await Promise.all(Array.from({ length: 16 }, loop));
}

async function smallBurst(context: BenchContext, sluice: TestSluice) {
  const { etcd, report } = context;
  const backends: NotingBackend[] = Array.from({ length: BURST_SMALL }, (_, i) =>
    startNotingBackend(`b${i}`),
  );
  try {
    const reloadsBefore = (await sluice.status()).haproxy.reloads;
    const allHit = () => backends.every((backend) => backend.firstHitAt > 0);
    const load = loadUntil(sluice, "burst", allHit, performance.now() + 30_000);
    const entries = backends.map(
      (b) =>
        [`/apps/burst/${b.name}`, JSON.stringify({ addr: b.address, name: b.name })] as [
          string,
          string,
        ],
    );
    await putMany(etcd.client, entries, 5);
    const lastAck = performance.now();
    await load;
    const routed = backends.filter((backend) => backend.firstHitAt > 0);
    const lastRouted = Math.max(...routed.map((backend) => backend.firstHitAt));
    await Bun.sleep(1200); // a paced background reload after the burst counts too
    await waitNoReloadDue(sluice);
    const reloads = (await sluice.status()).haproxy.reloads - reloadsBefore;
    const label = `burst of ${BURST_SMALL}`;
    const allRouted = routed.length === BURST_SMALL;
    const took = Math.max(0, lastRouted - lastAck);
    report(
      `${label}: last acknowledgement → all routed (each answered a request)`,
      allRouted ? ms(took) : `only ${routed.length} of ${BURST_SMALL} routed in 30 s`,
      "≤ 1000 ms",
      allRouted && took <= 1000,
    );
    report(`${label}: reloads`, String(reloads), "1", reloads === 1);
  } finally {
    for (const backend of backends) backend.stop();
  }
}

type Converged = { ok: boolean; ms: number; detail: string };

async function waitConverged(sluice: TestSluice, revision: number, total: number) {
  const started = performance.now();
  let detail = "";
  while (performance.now() - started < LARGE_WAIT_MS) {
    const status = await sluice.status().catch(() => undefined);
    if (status) {
      const { apply, haproxy } = status;
      detail = `backends ${status.backends}, revision ${apply.revision} of ${revision}, last error ${apply.last_error ?? "none"}, fd problem ${haproxy.fd_problem ?? "none"}`;
      const done = apply.revision >= revision && !apply.pending && status.backends >= total;
      if (done) return { ok: true, ms: performance.now() - started, detail };
    }
    await Bun.sleep(50);
  }
  return { ok: false, ms: performance.now() - started, detail } satisfies Converged;
}

async function largeBurst(context: BenchContext, sluice: TestSluice) {
  const { etcd, report } = context;
  const before = await sluice.status();
  const lagBefore = await lagBuckets(sluice);
  const poller = startHealthzPoller(sluice.adminUrl);
  await Bun.sleep(200);
  const entries = Array.from(
    { length: BURST_LARGE },
    (_, i) => [`/apps/bulk/i${i}`, `i${i} ${deadAddress(i)}`] as [string, string],
  );
  const putAt = performance.now();
  const { ackedIn, converged } = await withLoadBehind(etcd, async () => {
    await putMany(etcd.client, entries, 8);
    const ackedIn = performance.now() - putAt;
    const total = before.backends + BURST_LARGE;
    return { ackedIn, converged: await waitConverged(sluice, await etcd.revision(), total) };
  });
  const healthz = await poller.stop();
  const lagAfter = await lagBuckets(sluice);
  const label = `burst of ${BURST_LARGE} (health checks off)`;
  report(
    `${label}: last acknowledgement → applied (puts took ${ms(ackedIn)})`,
    converged.ok
      ? ms(converged.ms)
      : `did NOT converge in ${ms(converged.ms)}: ${converged.detail}`,
    "converges",
    converged.ok,
  );
  report(
    `${label}: /healthz p50 / p99 / max polled every 10 ms (n=${healthz.n})`,
    `${ms(healthz.p50)} / ${ms(healthz.p99)} / ${ms(healthz.max)}`,
    "p99 ≤ 50 ms",
    healthz.p99 <= 50,
  );
  report(
    `${label}: sluice's own event-loop lag p99 / max (bucket bounds from /metrics)`,
    `≤ ${lagP99Ms(lagBefore, lagAfter)} ms / ≤ ${lagMaxMs(lagBefore, lagAfter)} ms`,
  );
  const reloads = (await sluice.status()).haproxy.reloads - before.haproxy.reloads;
  report(`${label}: reloads`, String(reloads));
}

/** The small burst on the default config; the large one on a sluice with checks off. */
export async function burstFigures(context: BenchContext): Promise<void> {
  for (const [run, toml] of [
    [smallBurst, ""],
    [largeBurst, "[health]\nenabled = false\n"],
  ] as const) {
    const sluice = await startSluice({
      etcdEndpoint: context.etcd.endpoint,
      extraToml: toml,
      startTimeoutMs: 30_000,
    });
    try {
      await run(context, sluice);
    } finally {
      await sluice
        .stop()
        .catch((error) => console.log(`sluice stop: ${String(error).slice(0, 300)}`));
      await context.etcd.client.delete().prefix("/apps/");
    }
  }
}
