// sluice under a low open-file limit (prlimit): it raises its soft limit to the hard one, fits
// HAProxy's maxconn beside the server slots so HAProxy still starts, reloads and serves, and says
// clearly, in status and the log, when the limit is too low for the servers registered.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

let etcd: TestEtcd;
let sluice: TestSluice;
let web: TestBackend;

/** Registers `count` servers of service "bulk" at loopback addresses where nothing listens. */
async function registerBulk(from: number, count: number): Promise<number> {
  let revision = 0;
  for (let i = from; i < from + count; i += 100) {
    const txn = etcd.client.if("/never", "Version", "==", 0);
    const puts = Array.from({ length: Math.min(100, from + count - i) }, (_, j) =>
      etcd.client
        .put(`/apps/bulk/b${i + j}`)
        .value(`b${i + j} 127.3.${(i + j) >> 8}.${(i + j) & 255}:9`),
    );
    revision = Number((await txn.then(...puts).commit()).header.revision);
  }
  return revision;
}

beforeAll(async () => {
  etcd = await startEtcd();
  web = startBackend("web-1");
  await etcd.client.put("/apps/web/1").value(`web-1 ${web.address}`);
  await registerBulk(0, 200);
  // A soft limit of 512 under a hard one of 1024: HAProxy at its default maxconn 4096 would need
  // over 8,000 descriptors.
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    wrap: (argv) => ["prlimit", "--nofile=512:1024", ...argv],
    extraToml: "[apply]\nallow_empty = true\nmax_drop_percent = 100\n",
  });
});

afterAll(async () => {
  const code = await sluice?.stop();
  web?.stop();
  await etcd?.stop();
  expect(code).toBe(0);
});

describe("a low open-file limit", () => {
  test("HAProxy runs with the maxconn that fits the raised limit, and serves", async () => {
    const status = await sluice.waitApplied(await etcd.revision(), 15_000);
    expect(status.haproxy.running).toBe(true);
    expect(status.backends).toBe(201);
    expect(status.haproxy.fd_limit).toBe(1024);
    expect(status.haproxy.maxconn).toBeGreaterThanOrEqual(100);
    expect(status.haproxy.maxconn).toBeLessThan(4096);
    expect(status.haproxy.fd_needed).toBeLessThanOrEqual(1024);
    expect(status.haproxy.fd_problem).toMatch(
      /limit \(1024\) is too low for \d+ server slots at maxconn 4096: HAProxy runs with maxconn/,
    );
    const config = readFileSync(sluice.renderedFile, "utf8");
    expect(config).toContain("\n    fd-hard-limit 1024\n");
    expect(config).toContain(`\n    maxconn ${status.haproxy.maxconn}\n`);
    expect(await sluice.sample(5, "web")).toEqual(Array(5).fill("web-1"));
    expect(sluice.log()).toMatch(/level=info msg="sluice started".* fd_limit=1024/);
    expect(sluice.log()).toMatch(/level=warn msg="the file-descriptor limit \(1024\) is too low/);
  });

  test("a reload under the limit succeeds: a new service routes", async () => {
    const before = (await sluice.status()).haproxy.reloads;
    const other = startBackend("api-1");
    try {
      const put = await etcd.client.put("/apps/api/1").value(`api-1 ${other.address}`);
      const status = await sluice.waitApplied(put.header.revision, 15_000);
      expect(status.haproxy.reloads).toBeGreaterThan(before);
      expect(status.apply.last_error).toBeNull();
      expect(await sluice.sample(3, "api")).toEqual(Array(3).fill("api-1"));
    } finally {
      other.stop();
    }
  });

  test("more servers than the limit holds: status and the log say so, the old config serves", async () => {
    await registerBulk(200, 600);
    const status = await waitFor(
      "the limit reported too low",
      async () => {
        const now = await sluice.status();
        return now.haproxy.fd_problem?.includes("needs at least") ? now : undefined;
      },
      20_000,
      50,
    );
    expect(status.haproxy.fd_problem).toMatch(
      /limit \(1024\) is too low for \d+ server slots: HAProxy needs at least \d+; raise LimitNOFILE=/,
    );
    expect(status.haproxy.fd_needed).toBeGreaterThan(1024);
    expect(sluice.log()).toMatch(
      /level=warn msg="the file-descriptor limit \(1024\) is too low for \d+ server slots: HAProxy needs/,
    );
    // HAProxy refuses the config that does not fit; the workers it runs keep serving.
    await waitFor(
      "the apply to fail",
      async () => (await sluice.status()).apply.last_error,
      20_000,
    );
    expect(await sluice.sample(5, "web")).toEqual(Array(5).fill("web-1"));
  });

  test("back under the limit, sluice converges and status shows the maxconn that fits", async () => {
    await etcd.client.delete().prefix("/apps/bulk/");
    const revision = await etcd.revision();
    // The removals alone need no render; a forced reload renders for what is left.
    await sluice.waitApplied(revision, 30_000);
    expect((await sluice.reload()).ok).toBe(true);
    const status = await waitFor(
      "converged with the limit holding",
      async () => {
        const now = await sluice.status();
        const done =
          now.apply.revision >= revision && !now.apply.pending && now.apply.last_error === null;
        return done ? now : undefined;
      },
      30_000,
      50,
    );
    // 1024 never holds maxconn 4096, but it holds these servers at the maxconn that fits.
    expect(status.haproxy.fd_problem).toMatch(/HAProxy runs with maxconn \d+ \(it would need/);
    expect(status.haproxy.maxconn).toBeGreaterThan(300);
    expect(status.haproxy.fd_needed).toBeLessThanOrEqual(1024);
    expect(await sluice.sample(3, "web")).toEqual(Array(3).fill("web-1"));
  });
});
