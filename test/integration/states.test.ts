// Status names the state of each long-lived part: the discovery loop, the supervisor, the apply
// queue and the fast path, as they change with etcd and HAProxy.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

let etcd: TestEtcd;
let sluice: TestSluice;
let backend: TestBackend;

beforeAll(async () => {
  etcd = await startEtcd();
  backend = startBackend("web-a");
  sluice = await startSluice({ etcdEndpoint: etcd.endpoint });
});

afterAll(async () => {
  await sluice?.stop();
  backend?.stop();
  await etcd?.stop();
});

test("a synced sluice is watching, running, idle, and its fast path is ready", async () => {
  const put = await etcd.client.put("/apps/web/a").value(`web-a ${backend.address}`);
  const status = await sluice.waitApplied(put.header.revision, 10_000);
  expect(status.etcd.state).toBe("watching");
  expect(status.haproxy.state).toBe("running");
  expect(status.apply.state).toBe("idle");
  expect(status.apply.fast_path).toBe("ready");
});

test("with etcd gone, discovery backs off and reconnects; HAProxy keeps running", async () => {
  await etcd.kill();
  const away = await waitFor(
    "discovery to notice",
    async () => {
      const status = await sluice.status();
      return status.etcd.connected ? undefined : status;
    },
    15_000,
  );
  expect(["backing-off", "connecting", "listing"]).toContain(away.etcd.state);
  expect(away.haproxy.state).toBe("running");
  await etcd.start();
  const back = await waitFor(
    "discovery to watch again",
    async () => {
      const status = await sluice.status();
      return status.etcd.state === "watching" && status.etcd.connected ? status : undefined;
    },
    15_000,
  );
  expect(back.etcd.reconnects).toBeGreaterThanOrEqual(1);
});
