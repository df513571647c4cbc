// The removal leader's election and the compare-and-delete on a real etcd, through the etcd edge
// (health/etcd-removal.ts): one leader, takeover on resign and on lease loss, a frozen etcd that
// stops the leader within TTL/2, and the three outcomes of a removal.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseConfigText } from "../../src/config/load.ts";
import { systemClock } from "../../src/haproxy/clock.ts";
import { createEtcdRemovalStore } from "../../src/health/etcd-removal.ts";
import { createLeadership } from "../../src/health/leader.ts";
import type { Leadership } from "../../src/health/leadership.ts";
import { createLogger } from "../../src/log.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { waitFor } from "../helpers/ports.ts";

const TTL_MS = 2000;
let etcd: TestEtcd;
const running: Leadership[] = [];
const lines: string[] = [];

function storeFor() {
  const config = parseConfigText(`[etcd]\nendpoints = ["${etcd.endpoint}"]\n`, "/t/sluice.toml");
  return createEtcdRemovalStore({ etcd: config.etcd, callTimeoutMs: 500 });
}

function candidate(identity: string): Leadership {
  const leadership = createLeadership({
    store: storeFor(),
    prefix: "/apps/",
    ttlMs: TTL_MS,
    identity,
    clock: systemClock,
    log: createLogger((line) => lines.push(`${identity} ${line}`), { format: "logfmt" }),
  });
  leadership.start();
  running.push(leadership);
  return leadership;
}

const leads = (leadership: Leadership) => leadership.status().isLeader;

beforeAll(async () => {
  etcd = await startEtcd();
});

afterAll(async () => {
  for (const leadership of running) await leadership.stop();
  await etcd?.stop();
});

describe("removal leadership on etcd", () => {
  test("one leads, the other names it; the leader resigns on stop and the other takes over", async () => {
    const a = candidate("host-a:1");
    await waitFor("a to lead", () => leads(a), 3000);
    const b = candidate("host-b:2");
    await waitFor("b to see a", () => b.status().leader === "host-a:1", 3000);
    expect(leads(b)).toBe(false);
    const keys = await etcd.client.getAll().prefix("/sluice/health-leader/apps/").keys();
    expect(keys.length).toBe(2);
    const started = Date.now();
    await a.stop();
    // Resigned: its key went with its lease at once, not at the end of the TTL.
    expect(await etcd.client.getAll().prefix("/sluice/health-leader/apps/").keys()).toHaveLength(1);
    await waitFor("b to lead", () => leads(b), 3000);
    const takeoverMs = Date.now() - started;
    console.log(`takeover after a resign: ${takeoverMs} ms`);
    expect(takeoverMs).toBeLessThan(TTL_MS);
    await b.stop();
  });

  test("a revoked lease is replaced: the leader campaigns again, and the follower leads", async () => {
    const a = candidate("host-a:3");
    await waitFor("a to lead", () => leads(a), 3000);
    const b = candidate("host-b:4");
    await waitFor("b to follow", () => b.status().leader === "host-a:3", 3000);
    const lease = a.fence()!.key.split("/").pop()!;
    await etcd.etcdctl(["lease", "revoke", lease]);
    await waitFor("b to lead", () => leads(b), 3000);
    await waitFor("a to follow b", () => a.status().leader === "host-b:4", 3000);
    expect(leads(a)).toBe(false);
    expect(lines.join("")).toContain('host-a:3 level=warn msg="lost the removal leadership');
    await a.stop();
    await b.stop();
  });

  test("a leader whose etcd freezes stops acting within TTL/2 (+ a round), and leads again after", async () => {
    const a = candidate("host-a:5");
    await waitFor("a to lead", () => leads(a), 3000);
    const frozenAt = Date.now();
    etcd.freeze();
    try {
      await waitFor("a to stop leading", () => !leads(a), TTL_MS, 5);
      const stoppedMs = Date.now() - frozenAt;
      console.log(`leader stopped acting ${stoppedMs} ms after etcd froze`);
      expect(stoppedMs).toBeLessThanOrEqual(TTL_MS / 2);
    } finally {
      etcd.thaw();
    }
    await waitFor("a to lead again", () => leads(a), 5000);
    await a.stop();
  });

  test("a removal deletes at the revision read, and refuses a newer key or a fence that fell", async () => {
    const a = candidate("host-a:6");
    await waitFor("a to lead", () => leads(a), 3000);
    const store = storeFor();
    try {
      const put = await etcd.client.put("/apps/web/one").value("127.0.0.1:1");
      const revision = Number(put.header.revision);
      expect(await store.modRevision("/apps/web/one")).toBe(revision);
      expect(await store.modRevision("/apps/web/none")).toBeUndefined();
      await etcd.client.put("/apps/web/one").value("127.0.0.1:1");
      expect(await store.deleteIfUnchanged("/apps/web/one", revision, a.fence()!)).toBe("changed");
      const fresh = (await store.modRevision("/apps/web/one"))!;
      const stale = { ...a.fence()!, createRevision: a.fence()!.createRevision + 1 };
      expect(await store.deleteIfUnchanged("/apps/web/one", fresh, stale)).toBe("not-leader");
      expect(await etcd.client.get("/apps/web/one").string()).toBe("127.0.0.1:1");
      expect(await store.deleteIfUnchanged("/apps/web/one", fresh, a.fence()!)).toBe("deleted");
      expect(await etcd.client.get("/apps/web/one").string()).toBeNull();
    } finally {
      store.close();
      await a.stop();
    }
  });
});
