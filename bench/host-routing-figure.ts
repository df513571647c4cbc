// The Host-routing figure of `make bench`: HAProxy 2.6 with N backends routed by Host, once with
// one `use_backend … if { hdr(host) … }` line per service (the default template before the map)
// and once with one `use_backend %[…,map_str(hosts.map)]` line, measured with wrk on loopback.
// Run alone with `bun bench/host-routing-figure.ts [services] [seconds] [backend]`.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBackend, type TestBackend } from "../test/helpers/backend.ts";
import { freePort, waitFor } from "../test/helpers/ports.ts";

/** How HAProxy picks the backend of a request. */
export type RoutingKind = "acl" | "map";

export type HostRoutingOptions = {
  /** Services (backends), each with one server. Default 1,000. */
  services?: number;
  /** Length of each wrk run, seconds. Default 10. */
  seconds?: number;
  /** wrk connections. Default 16. */
  connections?: number;
  /** Host headers measured, one wrk run each per kind. Default the last service (the ACL list
   * checks it last) and one no service has (default_backend, after every ACL). */
  hosts?: string[];
  /** Who answers: HAProxy itself (`http-request return` in each backend, so only HAProxy's own
   * per-request cost is measured) or a Bun backend per service. Default "haproxy". */
  answer?: "haproxy" | "backend";
  haproxyBinary?: string;
  wrkBinary?: string;
};

/** One wrk run. */
export type HostRoutingFigure = {
  kind: RoutingKind;
  services: number;
  host: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses whose x-backend header was not the backend expected (0 unless routing broke). */
  misrouted: number;
  /** Non-2xx/3xx responses and socket errors wrk counted. */
  errors: number;
};

const name = (index: number) => `svc-${index}`;

/** The frontend and backends of one routing kind; `map` is the map file's path. */
export function routingConfig(
  kind: RoutingKind,
  services: number,
  port: number,
  map: string,
  servers: string[],
  answer: HostRoutingOptions["answer"],
): string {
  const lines = [
    "global",
    "    nbthread 1",
    "    maxconn 4096",
    "defaults",
    "    mode http",
    "    timeout connect 5s",
    "    timeout client 50s",
    "    timeout server 50s",
    "frontend http-in",
    `    bind 127.0.0.1:${port}`,
  ];
  if (kind === "acl") {
    for (let index = 0; index < services; index++) {
      const service = name(index);
      lines.push(
        `    use_backend ${service} if { hdr(host),field(1,:) -i ${service} ${service}.example.com }`,
      );
    }
  } else {
    lines.push(`    use_backend %[req.hdr(host),field(1,:),lower,map_str(${map})]`);
  }
  lines.push(`    default_backend ${name(0)}`);
  for (let index = 0; index < services; index++) {
    const service = name(index);
    lines.push("", `backend ${service}`);
    // A response HAProxy returns itself skips http-response rules: it carries its header itself.
    if (answer === "haproxy") {
      lines.push(
        `    http-request return status 200 content-type text/plain string ${service} hdr x-backend ${service}`,
      );
    }
    lines.push(`    server s1 ${servers[index % servers.length]}`);
  }
  return `${lines.join("\n")}\n`;
}

/** The map file of `services` services: each name and one hostname, lower case. */
export function routingMap(services: number): string {
  const lines: string[] = [];
  for (let index = 0; index < services; index++) {
    lines.push(`${name(index)} ${name(index)}`, `${name(index)}.example.com ${name(index)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** wrk's "Latency Distribution" value at `label` (e.g. "99%"), ms. */
function latencyAt(output: string, label: string): number {
  const match = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)\\s*$`, "m").exec(output);
  if (!match) return Number.NaN;
  const value = Number(match[1]);
  return match[2] === "us" ? value / 1000 : match[2] === "s" ? value * 1000 : value;
}

/** Parses wrk --latency output. */
export function parseWrk(output: string) {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requestsPerSecond: rps ? Number(rps[1]) : Number.NaN,
    p50Ms: latencyAt(output, "50%"),
    p99Ms: latencyAt(output, "99%"),
    errors: (non2xx ? Number(non2xx[1]) : 0) + socketErrors,
  };
}

/** The backend a Host header should reach: its service, or the default backend. */
function expectedBackend(host: string, services: number): string {
  const match = /^svc-(\d+)(\.example\.com)?$/i.exec(host.split(":")[0]!);
  return match && Number(match[1]) < services ? name(Number(match[1])) : name(0);
}

async function checkRouting(port: number, host: string, services: number): Promise<number> {
  let misrouted = 0;
  for (let attempt = 0; attempt < 20; attempt++) {
    const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { host } });
    await response.arrayBuffer();
    if (response.headers.get("x-backend") !== expectedBackend(host, services)) misrouted++;
  }
  return misrouted;
}

async function runWrk(
  binary: string,
  port: number,
  host: string,
  options: Required<HostRoutingOptions>,
) {
  const child = Bun.spawn(
    [
      binary,
      "-t1",
      `-c${options.connections}`,
      `-d${options.seconds}s`,
      "--latency",
      "-H",
      `Host: ${host}`,
      `http://127.0.0.1:${port}/`,
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  const [output, errors, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) throw new Error(`wrk failed (${code}): ${errors}`);
  return parseWrk(output);
}

async function measureKind(
  kind: RoutingKind,
  dir: string,
  servers: string[],
  options: Required<HostRoutingOptions>,
): Promise<HostRoutingFigure[]> {
  const port = freePort();
  const map = join(dir, "hosts.map");
  const config = join(dir, `${kind}.cfg`);
  writeFileSync(map, routingMap(options.services));
  writeFileSync(config, routingConfig(kind, options.services, port, map, servers, options.answer));
  const haproxy = Bun.spawn([options.haproxyBinary, "-db", "-f", config], {
    stdout: "ignore",
    stderr: "pipe",
  });
  try {
    await waitFor(
      `haproxy (${kind})`,
      async () => (await fetch(`http://127.0.0.1:${port}/`)).ok || undefined,
      20_000,
    );
    const figures: HostRoutingFigure[] = [];
    for (const host of options.hosts) {
      const misrouted = await checkRouting(port, host, options.services);
      const measured = await runWrk(options.wrkBinary, port, host, options);
      figures.push({ kind, services: options.services, host, misrouted, ...measured });
    }
    return figures;
  } finally {
    haproxy.kill();
    await haproxy.exited;
  }
}

/**
 * Requests/s and latency p50/p99 of HAProxy routing by Host over `services` backends, with ACL
 * lines and with a map, one wrk run per kind and Host header. Loopback only.
 */
export async function benchHostRouting(
  options: HostRoutingOptions = {},
): Promise<HostRoutingFigure[]> {
  const services = options.services ?? 1000;
  const full: Required<HostRoutingOptions> = {
    services,
    seconds: options.seconds ?? 10,
    connections: options.connections ?? 16,
    hosts: options.hosts ?? [name(services - 1), "unknown.example.com"],
    answer: options.answer ?? "haproxy",
    haproxyBinary: options.haproxyBinary ?? "/usr/sbin/haproxy",
    wrkBinary: options.wrkBinary ?? "/usr/bin/wrk",
  };
  const dir = mkdtempSync(join(tmpdir(), "sluice-host-routing-"));
  const backends: TestBackend[] =
    full.answer === "backend"
      ? Array.from({ length: services }, (_, index) => startBackend(name(index)))
      : [];
  // Servers HAProxy never connects to when it answers itself: one loopback address will do.
  const servers =
    backends.length > 0 ? backends.map((backend) => backend.address) : ["127.0.0.1:9"];
  try {
    return [
      ...(await measureKind("acl", dir, servers, full)),
      ...(await measureKind("map", dir, servers, full)),
    ];
  } finally {
    for (const backend of backends) backend.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One line per figure, for printing. */
export function formatHostRouting(figures: HostRoutingFigure[]): string[] {
  return figures.map(
    (figure) =>
      `host routing ${figure.kind.padEnd(3)} ${figure.services} services, Host ${figure.host}: ` +
      `${Math.round(figure.requestsPerSecond)} req/s, p50 ${figure.p50Ms.toFixed(3)} ms, ` +
      `p99 ${figure.p99Ms.toFixed(3)} ms, errors ${figure.errors}, misrouted ${figure.misrouted}`,
  );
}

if (import.meta.main) {
  const services = Number(process.argv[2] ?? 1000);
  const seconds = Number(process.argv[3] ?? 10);
  const answer = process.argv[4] === "backend" ? "backend" : "haproxy";
  for (const line of formatHostRouting(await benchHostRouting({ services, seconds, answer })))
    console.log(line);
}
