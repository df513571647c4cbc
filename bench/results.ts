// bench/RESULTS.md: the sections of `make bench`, which section a row belongs to, and the file
// written after a run (a partial run, BENCH_ONLY, keeps the rows of the sections it did not run).

import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";

export const SECTIONS = [
  "render",
  "hitless",
  "propagation",
  "scale100k",
  "growth",
  "burst",
  "hostmap",
  "soak",
  "health",
  "lbctl",
] as const;
export type Section = (typeof SECTIONS)[number];

export type Row = { figure: string; value: string; target: string; met: boolean | undefined };

const ONLY = process.env.BENCH_ONLY?.split(",").filter(Boolean) as Section[] | undefined;
const unknown = ONLY?.filter((section) => !SECTIONS.includes(section));
if (unknown?.length) {
  throw new Error(`BENCH_ONLY: unknown section ${unknown.join(", ")} (${SECTIONS.join(", ")})`);
}
export const runs = (section: Section) => ONLY === undefined || ONLY.includes(section);

/** Which section a figure of RESULTS.md belongs to, by how its name starts. */
export function sectionOf(figure: string): Section {
  const prefixes: [RegExp, Section][] = [
    [/^health:/, "health"],
    [/^lbctl/, "lbctl"],
    [/^render/, "render"],
    [/^\d+ backends/, "propagation"],
    [/^\d+ servers \(/, "scale100k"],
    [/^growth/, "growth"],
    [/^burst/, "burst"],
    [/^host routing/, "hostmap"],
    [/^soak/, "soak"],
  ];
  return prefixes.find(([pattern]) => pattern.test(figure))?.[1] ?? "hitless";
}

const resultsFile = join(import.meta.dir, "RESULTS.md");

/** Table rows of the last RESULTS.md from the sections not run now. */
function keptRows(): string[] {
  if (ONLY === undefined) return [];
  const old = readFileSync(resultsFile, "utf8").split("\n");
  return old.filter(
    (line) =>
      /^\| (?!figure |--- )/.test(line) && !runs(sectionOf(line.slice(2, line.indexOf(" |")))),
  );
}

const DESCRIPTION = (churnSeconds: number) => `Compiled dist/sluice, HAProxy, etcd,
wrk (2 threads, 8 connections) and the test backends all on loopback. Churn: one membership
change every 100 ms for ${churnSeconds} s in a 10-server service. Propagation: a server added to and
removed from a 2-server round-robin service, timed until the first request it answers and until two
requests in a row miss it, beside a service of 10 / 1,000 / 10,000 servers, and beside 1,000
services × 100 (health checks off there). Growth: one service grown one instance at a time, each
add timed until the new instance answers a request (each instance is set to weight 0 once it has
answered, so the next add's first request can only go to the new one). Burst: instances of a new
service registered at once (txns of 100), timed until each answered a request, then 20,000 (checks
off) until applied, /healthz polled every 10 ms by a process of its own at nice -10, while etcd
and the registering client run at nice 10 (on 2 cores they would otherwise take the CPU from
sluice, which in production shares its machine with neither). Host routing: HAProxy
alone, ACL lines vs one map lookup. Soak: one change every 10 ms at 10,000 servers (checks off)
while wrk loads a 4-server service. Health: a backend of a
4-server service dies (its listener closes) under sequential load, again and again; "last routed" is
the last time HAProxy picked it (its \`lbtot\` grew, read every 5 ms); and 10,000 servers on 50
loopback ports checked by TCP every 2 s, CPU from /proc/PID/stat.`;

/** Writes RESULTS.md: this run's rows and the kept ones, in section order. */
export function writeResults(rows: Row[], startedAt: Date, churnSeconds: number): void {
  const met = (r: Row) => (r.met === undefined ? "" : r.met ? "yes" : "**no**");
  const order = (line: string) => SECTIONS.indexOf(sectionOf(line.slice(2)));
  const table = [
    "| figure | value | target | met |",
    "| --- | --- | --- | --- |",
    ...[
      ...keptRows(),
      ...rows.map((r) => `| ${r.figure} | ${r.value} | ${r.target} | ${met(r)} |`),
    ].sort((a, b) => order(a) - order(b)),
  ].join("\n");
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const partial = ONLY
    ? ` (sections ${ONLY.join(", ")}; the other rows are from an earlier run)`
    : "";
  writeFileSync(
    resultsFile,
    `# make bench: latest results

Run ${startedAt.toISOString()}${partial} on ${cpus().length} × ${cpu}. ${DESCRIPTION(churnSeconds)}

${table}
`,
  );
  console.log("\nwritten to bench/RESULTS.md");
}
