// What the figures of `make bench` share: percentiles, /proc usage, wrk, bulk puts, probes through
// HAProxy, backends that note their first request, and the /healthz poller.

import { readFileSync } from "node:fs";
import { setPriority } from "node:os";
import { join } from "node:path";
import type { Etcd3 } from "etcd3";
import type { TestEtcd } from "../test/helpers/etcd.ts";
import type { TestSluice } from "../test/helpers/sluice.ts";

/** Prints one figure and keeps it for RESULTS.md; `met` undefined: no target. */
export type Report = (figure: string, value: string, target?: string, met?: boolean) => void;

/** What every figure of a section is given. */
export type BenchContext = { etcd: TestEtcd; report: Report; samples: number };

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export const ms = (v: number) => `${v.toFixed(1)} ms`;

/** "p50 / p99" of `values`, in ms. */
export const p50p99 = (values: number[]) =>
  `${ms(percentile(values, 50))} / ${ms(percentile(values, 99))}`;

/** Resident memory (MB) and CPU seconds used so far by a process. */
export function processUsage(pid: number): { rssMb: number; cpuSeconds: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const ticks = Number(stat[11]) + Number(stat[12]);
  return { rssMb: rssKb / 1024, cpuSeconds: ticks / 100 };
}

/** RSS (MB) of the HAProxy processes sluice runs: its children and theirs (master, workers). */
export function haproxyRssMb(sluicePid: number): number {
  const children = (pid: number): number[] => {
    try {
      const text = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
      return text === "" ? [] : text.split(" ").map(Number);
    } catch {
      return [];
    }
  };
  const all = children(sluicePid).flatMap((pid) => [pid, ...children(pid)]);
  return all.reduce((sum, pid) => {
    try {
      return sum + processUsage(pid).rssMb;
    } catch {
      return sum;
    }
  }, 0);
}

export type WrkResult = { requests: number; failed: number; detail: string };

/** Runs wrk for `seconds` against `url`; failed = socket errors + non-2xx/3xx answers. */
export function startWrk(
  url: string,
  seconds: number,
  keepAlive: boolean,
  host: string,
): Promise<WrkResult> {
  const args = ["wrk", "-t2", "-c8", `-d${seconds}s`, "-H", `Host: ${host}`];
  if (!keepAlive) args.push("-H", "Connection: close");
  const child = Bun.spawn([...args, url], { stdout: "pipe", stderr: "pipe" });
  return new Response(child.stdout).text().then((out) => {
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const socketErrors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
    const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
    return {
      requests,
      failed: socketErrors + non2xx,
      detail: socket
        ? `socket errors ${socket.slice(1).join("/")}, non-2xx ${non2xx}`
        : `non-2xx ${non2xx}`,
    };
  });
}

/** Puts `entries` in transactions of 100, `parallel` transactions in flight. */
export async function putMany(
  client: Etcd3,
  entries: [string, string][],
  parallel = 1,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const batch = entries.slice(next, next + 100);
      next += 100;
      await client
        .if("/bench/never", "Version", "==", 0)
        .then(...batch.map(([key, value]) => client.put(key).value(value)))
        .commit();
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** A loopback address nothing listens on, distinct for each `index` (below 16 million). */
export const deadAddress = (index: number) =>
  `127.${1 + (index >> 16)}.${(index >> 8) & 255}.${index & 255}:9`;

/** One request through HAProxy for `host`, on a new connection: the backend's name or the status. */
export async function probe(sluice: TestSluice, host = "probe"): Promise<string> {
  const response = await sluice.get("/", { headers: { host, connection: "close" } });
  return response.status === 200 ? await response.text() : `HTTP ${response.status}`;
}

/** A loopback backend that answers with its name and notes when its first request came. */
export type NotingBackend = { name: string; address: string; firstHitAt: number; stop(): void };

export function startNotingBackend(name: string): NotingBackend {
  const backend: NotingBackend = { name, address: "", firstHitAt: 0, stop: () => {} };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch() {
      if (backend.firstHitAt === 0) backend.firstHitAt = performance.now();
      return new Response(name);
    },
  });
  backend.address = `127.0.0.1:${server.port}`;
  backend.stop = () => server.stop(true);
  return backend;
}

export type HealthzFigure = { n: number; p50: number; p99: number; max: number; over50: number };

/** The poller runs ahead of the load (nice -10, as root), so that on a machine of 2 cores its own
 * turn on the CPU does not count as sluice's answer time. BENCH_POLLER_NICE sets it; "0": off. */
const POLLER_NICE = process.env.BENCH_POLLER_NICE ?? (process.getuid?.() === 0 ? "-10" : "0");
const POLLER_PRIORITY = POLLER_NICE === "0" ? [] : ["nice", "-n", POLLER_NICE];

/** bench/healthz-poller.ts in a process of its own, polling `adminUrl`/healthz every 10 ms. */
export function startHealthzPoller(adminUrl: string) {
  const bun = join(import.meta.dir, "..", "node_modules", ".bin", "bun");
  const poller = Bun.spawn(
    [...POLLER_PRIORITY, bun, join(import.meta.dir, "healthz-poller.ts"), `${adminUrl}/healthz`],
    {
      stdout: "pipe",
    },
  );
  return {
    async stop(): Promise<HealthzFigure> {
      poller.kill("SIGTERM");
      const text = await new Response(poller.stdout).text();
      return JSON.parse(text.trim().split("\n").at(-1) ?? "{}") as HealthzFigure;
    },
  };
}

/** Cumulative counts of the lag histogram by bucket bound, and the total, from a scrape. */
export async function lagBuckets(sluice: TestSluice): Promise<Map<number, number>> {
  const text = await (await sluice.adminFetch("/metrics")).text();
  const buckets = new Map<number, number>();
  for (const match of text.matchAll(
    /^sluice_event_loop_lag_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm,
  )) {
    buckets.set(
      match[1] === "+Inf" ? Number.POSITIVE_INFINITY : Number(match[1]),
      Number(match[2]),
    );
  }
  return buckets;
}

/** The bucket bound (ms) under which 99 % of the lags between two scrapes fell. */
export function lagP99Ms(before: Map<number, number>, after: Map<number, number>): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const count =
    (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  for (const bound of bounds) {
    const within = (after.get(bound) ?? 0) - (before.get(bound) ?? 0);
    if (within >= 0.99 * count) return bound * 1000;
  }
  return Number.NaN;
}

/** The bound (ms) of the highest bucket any lag between two scrapes fell in. */
export function lagMaxMs(before: Map<number, number>, after: Map<number, number>): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total =
    (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  for (const bound of bounds) {
    if ((after.get(bound) ?? 0) - (before.get(bound) ?? 0) >= total) return bound * 1000;
  }
  return Number.NaN;
}

/**
 * Runs `work` with etcd and this process (the registering clients) at nice 10, then puts them
 * back: on a machine of 2 cores a burst of puts would otherwise take the CPU from sluice, which
 * in production shares its machine with neither. Start pollers before: they inherit it.
 */
export async function withLoadBehind<T>(etcd: TestEtcd, work: () => Promise<T>): Promise<T> {
  const pids = [etcd.pid(), 0].filter((pid): pid is number => pid !== undefined);
  const set = (priority: number) => {
    for (const pid of pids) {
      try {
        setPriority(pid, priority);
      } catch {
        // Not root: the figures are taken at equal priority.
      }
    }
  };
  set(10);
  try {
    return await work();
  } finally {
    set(0);
  }
}

/** A number at `path` of the status document (fields other helpers add), else undefined. */
export function statusNumber(status: unknown, path: string[]): number | undefined {
  let value: unknown = status;
  for (const part of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return typeof value === "number" ? value : undefined;
}

/** Waits until the status shows no reload due (`apply.next_reload_at` null or absent), bounded. */
export async function waitNoReloadDue(sluice: TestSluice, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const status = (await sluice.status()) as unknown as { apply: Record<string, unknown> };
    if ((status.apply.next_reload_at ?? null) === null && status.apply.pending !== true) return;
    await Bun.sleep(50);
  }
}
