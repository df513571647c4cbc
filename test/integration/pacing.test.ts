// Reload pacing end to end, with the compiled sluice, a real etcd and HAProxy: 40 new services
// arriving one every 150 ms each need a reload (HAProxy cannot add a backend at runtime). With
// the default min_reload_interval (1 s) they cost at most one reload a second (24 in 9 s before
// pacing), every one routes, and while a reload waits status says when it runs. With "0s" the
// same burst costs more reloads than that bound, so the bound fails when pacing breaks.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createBackendPool } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

const SERVICES = 40;
const SPACING_MS = 150;
/** The 9 s at one reload a second, plus two (the first reload and the tail's). */
const MOST_PACED_RELOADS = 9 / 1 + 2;

let etcd: TestEtcd;
const backends = createBackendPool();

beforeAll(async () => {
  etcd = await startEtcd();
  const seed = backends.start("seed");
  await etcd.client.put("/apps/seed/a").value(`seed ${seed.address}`);
});

afterAll(async () => {
  backends.stopAll();
  await etcd?.stop();
});

/** A `next_reload_at` seen in status (epoch ms), and when its answer came: the reload was due
 * at least `dueAt - answeredAt` after status was built. */
type Due = { answeredAt: number; dueAt: number };

/** Polls status until stopped, keeping every `next_reload_at` it shows, and when each reload
 * it saw finished (`haproxy.last_reload_at`, epoch ms). */
function watchReloads(sluice: TestSluice) {
  const due: Due[] = [];
  const reloadedAt = new Set<number>();
  let running = true;
  const done = (async () => {
    while (running) {
      const { apply, haproxy } = await sluice.status();
      if (apply.next_reload_at !== null) {
        due.push({ answeredAt: Date.now(), dueAt: Date.parse(apply.next_reload_at) });
      }
      if (haproxy.last_reload_at !== null) reloadedAt.add(Date.parse(haproxy.last_reload_at));
      await Bun.sleep(30);
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return { due, reloadedAt: [...reloadedAt].sort((a, b) => a - b) };
    },
  };
}

/** The shortest time between two reloads in a row, ms. */
function shortestGap(reloadedAt: number[]): number {
  const gaps = reloadedAt.slice(1).map((at, i) => at - (reloadedAt[i] ?? at));
  return Math.min(...gaps);
}

/** Registers `SERVICES` new services named `<name>-<i>`, one every `SPACING_MS`; resolves
 * once all are applied, with the reloads they cost and the due times status showed. */
async function registerOneByOne(sluice: TestSluice, name: string) {
  const before = await waitFor("HAProxy serving what etcd holds", async () => {
    const status = await sluice.status();
    return status.haproxy.running && !status.apply.pending && status.services > 0
      ? status
      : undefined;
  });
  const watcher = watchReloads(sluice);
  let revision = 0;
  const startedAt = Date.now();
  for (let i = 0; i < SERVICES; i++) {
    const backend = backends.start(`${name}-${i}`);
    const put = await etcd.client.put(`/apps/${name}-${i}/a`).value(`a ${backend.address}`);
    revision = Number(put.header.revision);
    await Bun.sleep(SPACING_MS);
  }
  const after = await sluice.waitApplied(revision, 15_000);
  const { due, reloadedAt } = await watcher.stop();
  const reloads = after.haproxy.reloads - before.haproxy.reloads;
  const gap = shortestGap(reloadedAt);
  console.log(
    `[pacing] ${name}: ${SERVICES} services in ${Date.now() - startedAt} ms cost ${reloads} ` +
      `reloads, the closest two ${gap} ms apart`,
  );
  return { reloads, due, after, gap };
}

/** Each of the services answers through HAProxy on its own Host. */
async function expectEveryServiceRoutes(sluice: TestSluice, name: string): Promise<void> {
  const missing: string[] = [];
  for (let i = 0; i < SERVICES; i++) {
    const service = `${name}-${i}`;
    const answered = await sluice.sample(1, service);
    if (answered[0] !== service) missing.push(`${service} answered ${answered[0]}`);
  }
  expect(missing).toEqual([]);
}

describe("reload pacing", () => {
  test("new services one every 150 ms cost at most one reload a second, and all route", async () => {
    const sluice = await startSluice({ etcdEndpoint: etcd.endpoint });
    try {
      const { reloads, due, after, gap } = await registerOneByOne(sluice, "paced");
      expect(reloads).toBeGreaterThan(1);
      expect(reloads).toBeLessThanOrEqual(MOST_PACED_RELOADS);
      // At most one per interval: the interval runs from the end of one reload to the next.
      expect(gap).toBeGreaterThanOrEqual(1000);
      await expectEveryServiceRoutes(sluice, "paced");
      // While a reload waited, status said when it would run: a time to come, and later than
      // reload_wait alone (100 ms) would make it, as the pacer holds it back.
      expect(due.length).toBeGreaterThan(0);
      expect(due.some(({ answeredAt, dueAt }) => dueAt > answeredAt + 200)).toBe(true);
      for (const { answeredAt, dueAt } of due) expect(dueAt).toBeLessThan(answeredAt + 1000);
      // Once all is applied, none is due.
      expect(after.apply.next_reload_at).toBeNull();
      expect(after.apply.background_reloads).toBe(0);
    } finally {
      expect(await sluice.stop()).toBe(0);
    }
  }, 60_000);

  // The control: without the pacer, reloads of this burst come closer than the interval, which
  // the test above would catch (how many depends on how fast HAProxy reloads: 24 on an idle
  // machine, fewer on a busy one, where each reload takes longer and takes more changes).
  test('with min_reload_interval = "0s" reloads come closer than 1 s, waiting reload_wait only', async () => {
    const sluice = await startSluice({
      etcdEndpoint: etcd.endpoint,
      extraToml: '[apply]\nmin_reload_interval = "0s"\n',
    });
    try {
      const { reloads, due, gap } = await registerOneByOne(sluice, "unpaced");
      expect(reloads).toBeGreaterThan(1);
      expect(gap).toBeLessThan(1000);
      await expectEveryServiceRoutes(sluice, "unpaced");
      for (const { answeredAt, dueAt } of due) expect(dueAt).toBeLessThanOrEqual(answeredAt + 100);
    } finally {
      expect(await sluice.stop()).toBe(0);
    }
  }, 60_000);
});
