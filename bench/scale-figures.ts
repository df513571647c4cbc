// The `propagation` and `scale100k` sections of `make bench`: propagation beside one service of
// 10 / 1,000 / 10,000 servers (BENCH_PROPAGATION_SIZES), and the 100,000-server installation
// (BENCH_100K_SERVICES services × 100, default 1,000): cold start, memory, propagation, and the
// p50 inside sluice there against the one beside 10 servers.

import type { BenchContext, Report } from "./common.ts";
import {
  measureAtScale,
  type ProbeBackends,
  type PropagationFigure,
  type PropagationTargets,
} from "./propagation-figure.ts";

export const PROPAGATION_SIZES = (process.env.BENCH_PROPAGATION_SIZES ?? "10,1000,10000")
  .split(",")
  .map(Number)
  .filter((size) => size > 0);
export const SCALE_SERVICES = Number(process.env.BENCH_100K_SERVICES ?? 1000);

/** The targets from etcd's acknowledgement, p50 / p99 ms. */
function targetsFor(count: number): PropagationTargets {
  if (count <= 1000) return { p50: 5, p99: 50 };
  if (count <= 10_000) return { p50: Number.POSITIVE_INFINITY, p99: 20 };
  return { p50: Number.POSITIVE_INFINITY, p99: 50 };
}

/** Propagation beside one service of each size; returns the figure at 10 if measured. */
export async function propagationFigures(
  context: BenchContext,
  probes: ProbeBackends,
  sizes = PROPAGATION_SIZES,
): Promise<PropagationFigure | undefined> {
  let atTen: PropagationFigure | undefined;
  for (const count of sizes) {
    const figure = await measureAtScale(context, probes, {
      services: 1,
      each: count,
      label: `${count} backends`,
      targets: targetsFor(count),
      ...(count === 10_000
        ? { start: { coldStartMs: 3000, rssMb: 150, prefix: `${count} backends` } }
        : {}),
    });
    if (count === 10) atTen = figure;
  }
  return atTen;
}

/** The 100,000-server run; `atTen` from the propagation section, else measured quietly here. */
export async function scaleFigures(
  context: BenchContext,
  probes: ProbeBackends,
  atTen: PropagationFigure | undefined,
): Promise<void> {
  const quiet: Report = () => {};
  const ten = atTen ?? (await propagationFigures({ ...context, report: quiet }, probes, [10]))!;
  const count = SCALE_SERVICES * 100;
  const prefix = `${count} servers (${SCALE_SERVICES} services × 100)`;
  const figure = await measureAtScale(context, probes, {
    services: SCALE_SERVICES,
    each: 100,
    label: prefix,
    // The target at 100,000, whatever BENCH_100K_SERVICES makes of the count.
    targets: { p50: Number.POSITIVE_INFINITY, p99: 50 },
    // 100,000 checks of addresses where nothing listens would be 50,000 connects a second.
    toml: "[health]\nenabled = false\n",
    start: { coldStartMs: 5000, rssMb: 400, prefix },
  });
  const ratio = figure.insideP50 / ten.insideP50;
  context.report(
    `${prefix}: inside sluice p50 here vs beside 10 servers`,
    `${ratio.toFixed(1)}× (${figure.insideP50.toFixed(1)} ms vs ${ten.insideP50.toFixed(1)} ms)`,
    "≤ 3×",
    ratio <= 3,
  );
}
