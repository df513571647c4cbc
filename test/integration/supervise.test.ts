// sluice keeps HAProxy alive: a killed HAProxy comes back, in both reload modes.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { waitFor } from "../helpers/ports.ts";
import { isAlive } from "../helpers/process.ts";
import { startSluice } from "../helpers/sluice.ts";

let etcd: TestEtcd;
let a: TestBackend;

beforeAll(async () => {
  etcd = await startEtcd();
  a = startBackend("web-a");
  await etcd.client.put("/apps/web/a").value(`web-a ${a.address}`);
});

afterAll(async () => {
  a?.stop();
  await etcd?.stop();
});

describe.each(["master-worker", "sf"] as const)("supervising HAProxy in %s mode", (mode) => {
  test("a killed HAProxy is restarted and traffic comes back", async () => {
    const sluice = await startSluice({ etcdEndpoint: etcd.endpoint, mode });
    try {
      const first = await waitFor("haproxy to serve", async () => {
        const s = await sluice.status();
        return s.haproxy.running && s.backends === 1 ? s : undefined;
      });
      expect(await sluice.sample(2)).toEqual(["web-a", "web-a"]);
      const pid = first.haproxy.pid!;
      const workers = first.haproxy.workers;
      expect(workers.length).toBeGreaterThan(0);

      process.kill(pid, "SIGKILL");

      const after = await waitFor(
        "haproxy to be restarted",
        async () => {
          const s = await sluice.status();
          return s.haproxy.restarts >= 1 && s.haproxy.running && s.haproxy.pid !== pid
            ? s
            : undefined;
        },
        10_000,
      );
      expect(after.haproxy.pid).not.toBe(pid);
      const names = await waitFor("traffic to come back", async () => {
        const sample = await sluice.sample(3);
        return sample.every((n) => n === "web-a") ? sample : undefined;
      });
      expect(names).toEqual(["web-a", "web-a", "web-a"]);
      expect(sluice.log()).toContain("haproxy exited");
    } finally {
      expect(await sluice.stop()).toBe(0);
    }
  });

  test("SIGTERM stops sluice and HAProxy with it", async () => {
    const sluice = await startSluice({ etcdEndpoint: etcd.endpoint, mode });
    const status = await waitFor("haproxy to serve", async () => {
      const s = await sluice.status();
      return s.haproxy.running && s.backends === 1 ? s : undefined;
    });
    const pids = [status.haproxy.pid!, ...status.haproxy.workers];
    expect(await sluice.stop()).toBe(0);
    await waitFor("haproxy processes to exit", () => pids.every((pid) => !isAlive(pid)), 5000);
  });
});
