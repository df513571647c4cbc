// A storm of disconnects between sluice and etcd (a cutting proxy in between) while keys keep
// changing: cuts right after a reconnect, cuts across a compaction. After every round sluice
// serves exactly what etcd holds: nothing lost, nothing phantom.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Etcd3 } from "etcd3";
import { readPrefix, startEtcd, type TestEtcd, waitConverged } from "../helpers/etcd.ts";
import { waitFor } from "../helpers/ports.ts";
import { startProxy, type TestProxy } from "../helpers/proxy.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

/** Removals must not be held back: the served model has to equal etcd exactly. */
const NO_GUARDS = "[apply]\nallow_empty = true\nmax_drop_percent = 100\n";
const SERVICES = 5;
const INSTANCES = 10;
const TARGET_CUTS = 200;
const COMPACTIONS = 5;
/** The loop stops here whatever happens; the test then fails on the cut count. */
const LOOP_MS = 170_000;

let etcd: TestEtcd;
let proxy: TestProxy;
let sluice: TestSluice;

const random = (below: number) => Math.floor(Math.random() * below);
const service = (s: number) => `/apps/s${s}/`;
const randomKey = () => `${service(random(SERVICES))}i${random(INSTANCES)}`;
const randomAddress = () => `127.0.0.1:${10_000 + random(50_000)}`;

/** Distinct random keys. */
function randomKeys(count: number): string[] {
  const keys = new Set<string>();
  while (keys.size < count) keys.add(randomKey());
  return [...keys];
}

type WriterStats = { writes: number; txns: number; rangeDeletes: number; failures: number };

/** Changes keys straight in etcd (not through the proxy) until stopped; can pause between ops. */
function startWriter(client: Etcd3, maxMs: number) {
  const stats: WriterStats = { writes: 0, txns: 0, rangeDeletes: 0, failures: 0 };
  const deadline = Date.now() + maxMs;
  let running = true;
  let finished = false;
  let pauseRequested = false;
  let idle: (() => void) | undefined;
  let wake: (() => void) | undefined;

  const step = async () => {
    const r = Math.random();
    if (r < 0.55) {
      await client.put(randomKey()).value(randomAddress());
    } else if (r < 0.75) {
      await client.delete().key(randomKey());
    } else if (r < 0.87) {
      // Several keys at one revision: two puts and a delete.
      const [guard, put1, put2, gone] = randomKeys(4) as [string, string, string, string];
      await client
        .if(guard, "Version", ">", -1)
        .then(
          client.put(put1).value(randomAddress()),
          client.put(put2).value(randomAddress()),
          client.delete().key(gone),
        )
        .commit();
      stats.txns++;
    } else if (r < 0.93) {
      await client.delete().prefix(service(random(SERVICES)));
      stats.rangeDeletes++;
    } else {
      // A whole service (re-)added at one revision.
      const s = random(SERVICES);
      const puts = Array.from({ length: INSTANCES }, (_, i) =>
        client.put(`${service(s)}i${i}`).value(randomAddress()),
      );
      await client
        .if(`${service(s)}i0`, "Version", ">", -1)
        .then(...puts)
        .commit();
      stats.txns++;
    }
    stats.writes++;
  };

  const loop = (async () => {
    while (running && Date.now() < deadline) {
      if (pauseRequested) {
        idle?.();
        idle = undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      try {
        await step();
      } catch {
        stats.failures++;
      }
      await Bun.sleep(5);
    }
    finished = true;
    idle?.();
  })();

  const resume = () => {
    pauseRequested = false;
    wake?.();
    wake = undefined;
  };
  return {
    stats,
    /** Resolves once no write is in flight; none starts until resume(). */
    pause(): Promise<void> {
      if (finished) return Promise.resolve();
      pauseRequested = true;
      return new Promise<void>((resolve) => {
        idle = resolve;
      });
    },
    resume,
    async stop() {
      running = false;
      resume();
      await loop;
      return stats;
    },
  };
}

beforeAll(async () => {
  etcd = await startEtcd();
  for (let s = 0; s < SERVICES; s++) {
    for (let i = 0; i < INSTANCES; i++) {
      await etcd.client.put(`${service(s)}i${i}`).value(randomAddress());
    }
  }
  proxy = await startProxy(etcd.clientPort);
  sluice = await startSluice({
    etcdEndpoint: proxy.endpoint,
    etcdToml: [
      'dial_timeout = "1s"',
      // keepalive stays at its default: etcd answers pings more often than every 5 s with
      // GOAWAY. A cut connection is noticed at once anyway.
      'progress_interval = "1s"',
    ].join("\n"),
    haproxyToml: "spare_slots = 16",
    extraToml: NO_GUARDS,
  });
  // The keys, not the store's revision: sluice's removal election writes outside /apps/, so
  // the store may be a revision ahead of the last event under the prefix that sluice saw.
  const start = await waitConverged(
    sluice.adminUrl,
    { ...(await readPrefix(etcd.endpoint, "/apps/")), revision: 0 },
    15_000,
  );
  expect(start).toMatchObject({ converged: true });
}, 60_000);

afterAll(async () => {
  await sluice?.stop();
  proxy?.stop();
  await etcd?.stop();
});

describe("disconnect storm", () => {
  test(`${TARGET_CUTS}+ cuts while keys change: after every round sluice serves exactly etcd`, async () => {
    const startedAt = Date.now();
    const writer = startWriter(etcd.client, LOOP_MS + 10_000);
    const problems: string[] = [];
    let rounds = 0;
    let checks = 0;
    let lost = 0;
    let phantom = 0;
    let compactions = 0;
    let quickRecuts = 0;
    let slowestMs = 0;
    let totalMs = 0;
    try {
      while (proxy.cuts < TARGET_CUTS && Date.now() - startedAt < LOOP_MS) {
        rounds++;
        const cutsThisRound = 1 + random(3);
        for (let i = 0; i < cutsThisRound; i++) {
          proxy.cut();
          // Now and then history is compacted while sluice is away: resuming must list again.
          if (i === 0 && rounds % 12 === 7 && compactions < COMPACTIONS) {
            await etcd.compact(await etcd.revision());
            compactions++;
          }
          await Bun.sleep(random(300));
          proxy.restore();
          if (Math.random() < 0.3) {
            // Cut again while sluice is listing or replaying history.
            await Bun.sleep(random(50));
            proxy.cut();
            quickRecuts++;
            await Bun.sleep(random(100));
            proxy.restore();
          }
          await Bun.sleep(random(200));
        }

        // Keys change while sluice is connected again too: what its watch delivers after the
        // listing counts as much as the listing itself.
        const reconnected = await waitFor(
          "sluice to reconnect",
          async () => (await sluice.status()).etcd.connected,
          5000,
          20,
        ).catch(() => false);
        if (!reconnected)
          problems.push(`round ${rounds}: not connected 5 s after the last restore`);
        await Bun.sleep(100 + random(300));
        await writer.pause();
        const expected = await readPrefix(etcd.endpoint, "/apps/");
        const result = await waitConverged(sluice.adminUrl, expected, 5000);
        checks++;
        lost += result.lost.length;
        phantom += result.phantom.length;
        slowestMs = Math.max(slowestMs, result.ms);
        totalMs += result.ms;
        if (!result.converged) {
          const status = await sluice.status();
          problems.push(
            `round ${rounds} (etcd revision ${expected.revision}, sluice ${result.revision}, ` +
              `connected ${status.etcd.connected}, error ${status.etcd.last_error}): ` +
              `lost ${result.lost.slice(0, 3).join(" ")} phantom ${result.phantom.slice(0, 3).join(" ")}`,
          );
        }
        writer.resume();
      }
    } finally {
      proxy.restore();
      await writer.stop();
    }

    const expected = await readPrefix(etcd.endpoint, "/apps/");
    const final = await waitConverged(sluice.adminUrl, expected, 10_000);
    const status = await sluice.status();
    const w = writer.stats;
    console.log(
      `[etcd fault loop] ${proxy.cuts} cuts (${quickRecuts} right after a restore, ` +
        `${compactions} across a compaction) in ${rounds} rounds over ` +
        `${Math.round((Date.now() - startedAt) / 1000)} s; ${checks} checks, lost ${lost}, ` +
        `phantom ${phantom}, equal to etcd after the writer paused: avg ${Math.round(totalMs / Math.max(1, checks))} ms ` +
        `max ${slowestMs} ms; ${w.writes} writes (${w.txns} txns, ${w.rangeDeletes} range ` +
        `deletes, ${w.failures} failed); sluice relists ${status.etcd.relists}, reconnects ` +
        `${status.etcd.reconnects}`,
    );
    for (const problem of problems.slice(0, 10)) console.log(`  ${problem}`);

    expect(problems.slice(0, 5)).toEqual([]);
    expect({ lost, phantom }).toEqual({ lost: 0, phantom: 0 });
    expect(proxy.cuts).toBeGreaterThanOrEqual(TARGET_CUTS);
    expect(compactions).toBeGreaterThanOrEqual(3);
    expect(w.writes).toBeGreaterThan(500);
    expect(final).toMatchObject({ converged: true, lost: [], phantom: [] });
    expect(status.etcd.connected).toBe(true);
    expect(status.etcd.endpoint).toBe(proxy.endpoint);

    const metrics = await (await fetch(`${sluice.adminUrl}/metrics`)).text();
    const value = (name: string) =>
      Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(metrics)?.[1]);
    expect(value("sluice_etcd_connected")).toBe(1);
    expect(value("sluice_etcd_revision")).toBeGreaterThanOrEqual(expected.revision);
    expect(value("sluice_etcd_reconnects_total")).toBeGreaterThan(0);
    expect(value("sluice_etcd_relists_total")).toBeGreaterThan(0);
    expect(metrics).toContain(`sluice_etcd_endpoint_info{endpoint="${proxy.endpoint}"} 1`);
  }, 240_000);
});
