// Reloads under load, in both modes: HAProxy keeps serving through 50 forced reloads, and the
// failed requests are counted and reported (the zero-drop target belongs to `make bench`).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { startLoad } from "../helpers/load.ts";
import { waitFor } from "../helpers/ports.ts";
import { startSluice } from "../helpers/sluice.ts";

const RELOADS = 50;
let etcd: TestEtcd;
let backends: TestBackend[];

beforeAll(async () => {
  etcd = await startEtcd();
  backends = ["web-a", "web-b", "web-c"].map(startBackend);
  for (const backend of backends) {
    await etcd.client.put(`/apps/web/${backend.name}`).value(`${backend.name} ${backend.address}`);
  }
});

afterAll(async () => {
  for (const backend of backends ?? []) backend.stop();
  await etcd?.stop();
});

describe.each(["master-worker", "sf"] as const)("reloads under load in %s mode", (mode) => {
  test.each([true, false])(`${RELOADS} reloads keep serving (keep-alive %p)`, async (keepAlive) => {
    const sluice = await startSluice({ etcdEndpoint: etcd.endpoint, mode });
    try {
      const before = await waitFor("three backends", async () => {
        const s = await sluice.status();
        return s.haproxy.running && s.backends === 3 ? s : undefined;
      });
      const load = startLoad({
        url: `http://127.0.0.1:${sluice.httpPort}/`,
        concurrency: 4,
        keepAlive,
        maxMs: 60_000,
        maxRequests: 200_000,
      });
      let okBetweenReloads = 0;
      for (let i = 0; i < RELOADS; i++) {
        const okBefore = load.snapshot().ok;
        const response = await sluice.reload();
        expect(await response.json()).toEqual({ ok: true, outcome: "reloaded" });
        await waitFor("requests after the reload", () => load.snapshot().ok > okBefore, 5000, 1);
        okBetweenReloads++;
      }
      const result = await load.stop();
      const after = await sluice.status();
      const total = result.ok + result.failed;
      const errors = [...result.errors].map(([reason, n]) => `${n}× ${reason}`).join("; ");
      console.log(
        `[reload drops] mode=${mode} keep-alive=${keepAlive}: ${result.failed} failed of ${total} ` +
          `requests over ${RELOADS} reloads${errors ? ` (${errors})` : ""}`,
      );
      expect(after.haproxy.reloads - before.haproxy.reloads).toBe(RELOADS);
      expect(okBetweenReloads).toBe(RELOADS);
      expect(after.haproxy.running).toBe(true);
      expect(result.ok).toBeGreaterThan(RELOADS * 10);
      expect(result.failed).toBeLessThan(total * 0.05);
      expect(new Set(await sluice.sample(6))).toEqual(new Set(["web-a", "web-b", "web-c"]));
    } finally {
      expect(await sluice.stop()).toBe(0);
    }
  });
});
