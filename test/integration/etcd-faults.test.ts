// etcd faults: a frozen etcd is noticed, traffic keeps flowing, and sluice catches up after.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

let etcd: TestEtcd;
let sluice: TestSluice;
let a: TestBackend;
let b: TestBackend;

beforeAll(async () => {
  etcd = await startEtcd();
  a = startBackend("a");
  b = startBackend("b");
  sluice = await startSluice({ etcdEndpoint: etcd.endpoint });
  const put = await etcd.client.put("/apps/web/a").value(`a ${a.address}`);
  await sluice.waitApplied(put.header.revision);
});

afterAll(async () => {
  await sluice?.stop();
  a?.stop();
  b?.stop();
  await etcd?.stop();
});

describe("a frozen etcd", () => {
  test("is noticed within 10 s while traffic keeps flowing, and changes apply after it thaws", async () => {
    expect((await sluice.status()).etcd.connected).toBe(true);
    const frozenAt = Date.now();
    etcd.freeze();
    try {
      await waitFor(
        "sluice to notice",
        async () => !(await sluice.status()).etcd.connected,
        10_000,
        100,
      );
      const noticedMs = Date.now() - frozenAt;
      console.log(`frozen etcd noticed after ${noticedMs} ms`);
      expect(noticedMs).toBeLessThanOrEqual(10_000);
      expect((await sluice.status()).etcd.last_error).not.toBeNull();
      expect(await sluice.sample(3)).toEqual(["a", "a", "a"]);
    } finally {
      etcd.thaw();
    }
    await waitFor(
      "sluice to reconnect",
      async () => (await sluice.status()).etcd.connected,
      15_000,
      100,
    );
    const put = await etcd.client.put("/apps/web/b").value(`b ${b.address}`);
    await sluice.waitApplied(put.header.revision, 5_000);
    expect(new Set(await sluice.sample(4))).toEqual(new Set(["a", "b"]));
  });
});

describe("cold start with etcd down", () => {
  test("serves the last known state from disk, and says it is stale", async () => {
    const own = await startEtcd();
    const first = startBackend("first");
    const second = startBackend("second");
    const node = await startSluice({ etcdEndpoint: own.endpoint });
    try {
      await own.client.put("/apps/web/first").value(`first ${first.address}`);
      const put = await own.client.put("/apps/web/second").value(`second ${second.address}`);
      await node.waitApplied(put.header.revision);
      await waitFor("the snapshot to be saved", async () => {
        const file = Bun.file(`${node.dir}/state/snapshot.json`);
        return (await file.exists()) && (await file.json()).revision >= Number(put.header.revision);
      });
      await own.stop();
      expect(await node.restart()).toBe(0);
      const status = await waitFor("the snapshot to be served", async () => {
        const s = await node.status();
        return s.backends === 2 ? s : undefined;
      });
      expect(status.etcd.connected).toBe(false);
      expect(status.etcd.stale).toBe(true);
      expect(status.etcd.source).toBe("snapshot");
      expect(status.apply.revision).toBe(Number(put.header.revision));
      expect(new Set(await node.sample(4))).toEqual(new Set(["first", "second"]));
    } finally {
      await node.stop();
      await own.stop();
      first.stop();
      second.stop();
    }
  });
});
