// The `hostmap` section of `make bench`: HAProxy's per-request cost routing by Host with one ACL
// line per service against one map lookup (host-routing-figure.ts), at BENCH_HOSTMAP_SERVICES
// services (default 1,000), BENCH_HOSTMAP_SECONDS (default 10) of wrk per Host and kind.

import type { Report } from "./common.ts";
import { benchHostRouting, formatHostRouting } from "./host-routing-figure.ts";

const SERVICES = Number(process.env.BENCH_HOSTMAP_SERVICES ?? 1000);
const SECONDS = Number(process.env.BENCH_HOSTMAP_SECONDS ?? 10);

export async function hostmapFigures(report: Report): Promise<void> {
  const figures = await benchHostRouting({ services: SERVICES, seconds: SECONDS });
  for (const [index, line] of formatHostRouting(figures).entries()) {
    const figure = figures[index]!;
    const split = line.indexOf(": ");
    const clean = figure.errors === 0 && figure.misrouted === 0;
    report(line.slice(0, split), line.slice(split + 2), "0 errors, 0 misrouted", clean);
  }
  for (const map of figures.filter((figure) => figure.kind === "map")) {
    const acl = figures.find((figure) => figure.kind === "acl" && figure.host === map.host);
    if (!acl) continue;
    const ratio = map.requestsPerSecond / acl.requestsPerSecond;
    report(
      `host routing ${SERVICES} services, Host ${map.host}: map / ACL requests per second`,
      `${ratio.toFixed(2)}× (p99 ${map.p99Ms.toFixed(3)} vs ${acl.p99Ms.toFixed(3)} ms)`,
      "map ≥ ACL",
      ratio >= 1,
    );
  }
}
