// The `lbctl` section of `make bench`: `lbctl register` into a running service, to routed and
// back, and `lbctl status` spawned against the daemon.

import { waitFor } from "../test/helpers/ports.ts";
import { startSluice, type TestSluice } from "../test/helpers/sluice.ts";
import { type BenchContext, ms, percentile, probe } from "./common.ts";
import { measureLbctlStatus } from "./lbctl-figure.ts";
import { PROBE_SERVICE, type ProbeBackends } from "./propagation-figure.ts";
import { measureRegister } from "./register-figure.ts";

/** `lbctl register` of a probe backend: to routed, from the spawn and from the key in etcd. */
async function reportRegister(context: BenchContext, sluice: TestSluice, probes: ProbeBackends) {
  const { etcd, report } = context;
  const times = await measureRegister({
    client: etcd.client,
    etcdEndpoint: etcd.endpoint,
    sluice,
    service: "probe",
    backend: probes.added,
    samples: Math.min(context.samples, 20),
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
export async function lbctlFigures(context: BenchContext, probes: ProbeBackends): Promise<void> {
  const { etcd } = context;
  const sluice = await startSluice({ etcdEndpoint: etcd.endpoint, extraToml: PROBE_SERVICE });
  try {
    await etcd.client.put("/apps/probe/base").value(`probe-base ${probes.base.address}`);
    await waitFor("probe", async () => (await probe(sluice)) === "probe-base", 10_000);
    await reportRegister(context, sluice, probes);
    await reportLbctl(context, sluice);
  } finally {
    await sluice.stop();
  }
}

/** `lbctl status` spawned against the daemon: lazy loading keeps it under 50 ms at p50. */
async function reportLbctl({ report, samples }: BenchContext, sluice: TestSluice) {
  const times = await measureLbctlStatus(sluice.adminUrl, samples);
  const p50 = percentile(times, 50);
  report(
    `lbctl status p50 / p99, spawn to exit (n=${times.length})`,
    `${ms(p50)} / ${ms(percentile(times, 99))}`,
    "p50 < 50 ms",
    p50 < 50,
  );
}
