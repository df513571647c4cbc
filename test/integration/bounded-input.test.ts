// Junk under the prefix stays small everywhere sluice keeps or shows it: the snapshot on disk
// holds rejected values cut short, status lists the first 100, and the rest are paged.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

let etcd: TestEtcd;
let sluice: TestSluice;
let web: TestBackend;

beforeAll(async () => {
  etcd = await startEtcd();
  web = startBackend("web-a");
  sluice = await startSluice({ etcdEndpoint: etcd.endpoint });
});

afterAll(async () => {
  await sluice?.stop();
  web?.stop();
  await etcd?.stop();
});

test("huge rejected values are saved and shown cut short", async () => {
  const junk = "j".repeat(1024 * 1024);
  // At once, so etcd sends several in one watch response (over gRPC's default 4 MB limit).
  await Promise.all(
    Array.from({ length: 10 }, (_, index) => etcd.client.put(`/apps/junk/big${index}`).value(junk)),
  );
  const put = await etcd.client.put("/apps/web/a").value(`web-a ${web.address}`);
  const status = await sluice.waitApplied(put.header.revision, 10_000);
  expect(status.rejected_total).toBe(10);
  expect(status.rejected.every((entry) => entry.value.length <= 257)).toBe(true);
  expect(JSON.stringify(status).length).toBeLessThan(20_000);
  const snapshot = join(sluice.dir, "state", "snapshot.json");
  await waitFor(
    "the snapshot at this revision",
    () => readFileSync(snapshot, "utf8").includes(`"revision":${put.header.revision}`),
    5000,
  );
  expect(statSync(snapshot).size).toBeLessThan(64 * 1024);
  expect(await sluice.sample(3)).toEqual(["web-a", "web-a", "web-a"]);
});

test("thousands of junk keys: status lists 100, the rest are paged", async () => {
  let revision = "0";
  for (let batch = 0; batch < 20; batch++) {
    const puts = Array.from({ length: 100 }, (_, index) =>
      etcd.client.put(`/apps/junk/k${batch * 100 + index}`).value("not a registration at all"),
    );
    revision = (await Promise.all(puts)).at(-1)!.header.revision;
  }
  await waitFor(
    "2010 rejections",
    async () => (await sluice.status()).rejected_total === 2010,
    10_000,
  );
  const status = await sluice.waitApplied(revision, 10_000);
  expect(status.rejected).toHaveLength(100);
  const page = (await (await fetch(`${sluice.adminUrl}/v1/rejected?offset=2000`)).json()) as {
    total: number;
    rejected: unknown[];
  };
  expect(page.total).toBe(2010);
  expect(page.rejected).toHaveLength(10);
  expect(JSON.stringify(status).length).toBeLessThan(50_000);
});

test("a restart lists a prefix holding megabytes of junk, and serves", async () => {
  await sluice.restart();
  const status = await waitFor(
    "the first listing after the restart",
    async () => {
      const current = await sluice.status();
      // Synced, and the listing applied: the model (rendered off the event loop) may follow
      // the sync by a moment.
      return current.etcd.synced &&
        current.etcd.state === "watching" &&
        current.rejected_total === 2010
        ? current
        : undefined;
    },
    10_000,
  );
  expect(status.rejected_total).toBe(2010);
  expect(await sluice.sample(3)).toEqual(["web-a", "web-a", "web-a"]);
});
