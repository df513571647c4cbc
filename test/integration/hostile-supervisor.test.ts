// Hostile conditions for the supervisor: a sluice killed with -9, and a second instance on the
// same directories.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { freePort, waitFor } from "../helpers/ports.ts";
import { isAlive } from "../helpers/process.ts";
import { SLUICE_BINARY, startSluice } from "../helpers/sluice.ts";

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

test("HAProxy dies with a sluice killed by SIGKILL", async () => {
  const sluice = await startSluice({ etcdEndpoint: etcd.endpoint });
  const status = await waitFor("haproxy to serve", async () => {
    const s = await sluice.status();
    return s.haproxy.running && s.backends === 1 ? s : undefined;
  });
  const pids = [status.haproxy.pid!, ...status.haproxy.workers];
  process.kill(sluice.pid, "SIGKILL");
  try {
    await waitFor("haproxy to die with sluice", () => pids.every((pid) => !isAlive(pid)), 5000);
  } finally {
    for (const pid of pids.filter(isAlive)) process.kill(pid, "SIGKILL");
    rmSync(sluice.dir, { recursive: true, force: true });
  }
});

test("a second sluice on the same directories refuses to start, naming the first", async () => {
  const sluice = await startSluice({ etcdEndpoint: etcd.endpoint });
  try {
    // The first one serves before the second tries, so the check below is about the second.
    const before = await waitFor("the first sluice's haproxy", async () => {
      const status = await sluice.status();
      return status.haproxy.running ? status.haproxy.pid : undefined;
    });
    const toml = readFileSync(sluice.configFile, "utf8").replace(
      /listen = "127\.0\.0\.1:\d+"/,
      `listen = "127.0.0.1:${freePort()}"`,
    );
    const second = join(sluice.dir, "second.toml");
    writeFileSync(second, toml);
    const child = Bun.spawn([SLUICE_BINARY, "serve", "--config", second], {
      cwd: sluice.dir,
      stdout: "pipe",
      stderr: "pipe",
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    const code = await child.exited;
    clearTimeout(timer);
    const output = await new Response(child.stderr).text();
    expect(code).not.toBe(0);
    expect(output).toContain(`another sluice (pid ${sluice.pid}) is using`);
    const after = (await sluice.status()).haproxy;
    expect(after.running).toBe(true);
    expect(after.pid).toBe(before);
  } finally {
    expect(await sluice.stop()).toBe(0);
  }
});

test("a stopped HAProxy worker fails /readyz and is replaced", async () => {
  const sluice = await startSluice({ etcdEndpoint: etcd.endpoint });
  let hung: number | undefined;
  try {
    const status = await waitFor("haproxy to serve", async () => {
      const s = await sluice.status();
      return s.haproxy.running && s.backends === 1 && s.etcd.synced ? s : undefined;
    });
    hung = status.haproxy.workers[0]!;
    process.kill(hung, "SIGSTOP");
    const ready = await waitFor(
      "/readyz to fail",
      async () => {
        const response = await fetch(`${sluice.adminUrl}/readyz`);
        return response.status === 503 ? await response.text() : undefined;
      },
      6000,
    );
    expect(ready).toContain("not answering");
    await waitFor(
      "a new worker to serve",
      async () => (await sluice.sample(1)).every((name) => name === "web-a"),
      20_000,
    );
    expect(isAlive(hung)).toBe(false);
    await waitFor("status to show it answering", async () => {
      const s = await sluice.status();
      return s.haproxy.responsive && s.haproxy.restarts >= 1;
    });
  } finally {
    if (hung && isAlive(hung)) process.kill(hung, "SIGKILL");
    expect(await sluice.stop()).toBe(0);
  }
}, 40_000);

test("a removed runtime directory is made again and applies work again", async () => {
  const sluice = await startSluice({ etcdEndpoint: etcd.endpoint });
  const b = startBackend("web-b");
  try {
    await waitFor("haproxy to serve", async () => (await sluice.status()).backends === 1);
    rmSync(join(sluice.dir, "run"), { recursive: true, force: true });
    await waitFor("the sockets to come back", async () => {
      const s = await sluice.status();
      return s.haproxy.running && s.haproxy.responsive && s.haproxy.restarts >= 1;
    });
    const put = await etcd.client.put("/apps/web/b").value(`web-b ${b.address}`).exec();
    await sluice.waitApplied(put.header.revision, 10_000);
    expect((await sluice.status()).apply.last_error).toBeNull();
    expect(new Set(await sluice.sample(6))).toEqual(new Set(["web-a", "web-b"]));
  } finally {
    b.stop();
    await etcd.client.delete().key("/apps/web/b");
    expect(await sluice.stop()).toBe(0);
  }
}, 40_000);
