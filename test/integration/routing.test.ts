// etcd → haproxy.cfg → HAProxy, end to end with the compiled executable, a real etcd and HAProxy.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
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
  a = startBackend("web-a");
  b = startBackend("web-b");
  // This file checks plain membership; the removal guards have tests of their own.
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    extraToml: "[apply]\nallow_empty = true\nmax_drop_percent = 100\n",
  });
});

afterAll(async () => {
  const code = await sluice?.stop();
  a?.stop();
  b?.stop();
  await etcd?.stop();
  expect(code).toBe(0);
});

describe("routing through the compiled sluice", () => {
  test("seed and JSON registrations both take traffic within 1 s", async () => {
    const before = await sluice.status();
    const start = Date.now();
    await etcd.client.put("/apps/web/a").value(`web-a ${a.address}`);
    const putB = await etcd.client
      .put("/apps/web/b")
      .value(JSON.stringify({ addr: b.address, name: "web-b" }));
    const seen = new Set<string>();
    await waitFor(
      "both backends to answer",
      async () => {
        for (const name of await sluice.sample(4)) seen.add(name);
        return seen.has("web-a") && seen.has("web-b");
      },
      1000,
      5,
    );
    const elapsed = Date.now() - start;
    console.log(`put → both backends serving: ${elapsed} ms`);
    expect(elapsed).toBeLessThan(1000);

    const status = await sluice.waitApplied(putB.header.revision);
    expect(status.etcd.connected).toBe(true);
    expect(status.etcd.revision).toBeGreaterThan(before.etcd.revision);
    expect(status.apply.applies).toBeGreaterThan(before.apply.applies);
    expect(status.haproxy.running).toBe(true);
    expect(status.services).toBe(1);
    expect(status.backends).toBe(2);
    expect(status.apply.last_error).toBeNull();
    // The file on disk follows what is live within 500 ms.
    const rendered = await waitFor(
      "both servers in haproxy.cfg",
      () => {
        const text = readFileSync(sluice.renderedFile, "utf8");
        return text.includes(` ${a.address} check weight 1\n`) &&
          text.includes(` ${b.address} check weight 1\n`)
          ? text
          : undefined;
      },
      1000,
    );
    expect(rendered).toMatch(new RegExp(`server \\S+ ${a.address} check weight 1\n`));
    expect(rendered).toMatch(new RegExp(`server \\S+ ${b.address} check weight 1\n`));
  });

  test("a hostile value is rejected, reported in status, and never reaches haproxy.cfg", async () => {
    const reloadsBefore = (await sluice.status()).haproxy.reloads;
    const hostile = `evil ${a.address}\n    bind 127.0.0.1:1`;
    await etcd.client.put("/apps/web/evil").value(hostile);
    const put = await etcd.client
      .put("/apps/web/keywords")
      .value(`kw ${a.address} backup check inter 1`);
    const status = await sluice.waitApplied(put.header.revision);
    expect(status.rejected).toHaveLength(2);
    expect(status.rejected.map((r) => r.key).sort()).toEqual([
      "/apps/web/evil",
      "/apps/web/keywords",
    ]);
    expect(status.rejected.find((r) => r.key === "/apps/web/evil")?.reason).toContain(
      "control character",
    );
    expect(status.backends).toBe(2);
    const rendered = readFileSync(sluice.renderedFile, "utf8");
    expect(rendered).not.toContain("evil");
    expect(rendered).not.toContain("127.0.0.1:1\n");
    expect(rendered).not.toContain("backup");
    // Nothing served changed, so HAProxy was not reloaded.
    expect(status.haproxy.reloads).toBe(reloadsBefore);
    await etcd.client.delete().key("/apps/web/evil");
    await etcd.client.delete().key("/apps/web/keywords");
    await waitFor("rejections cleared", async () => (await sluice.status()).rejected.length === 0);
  });

  test("a deleted backend stops receiving traffic", async () => {
    const deleted = await etcd.client.delete().key("/apps/web/a");
    expect((await sluice.waitApplied(deleted.header.revision)).backends).toBe(1);
    const names = await sluice.sample(10);
    expect(names).toEqual(Array(10).fill("web-b"));
    // The file on disk follows what is live within 500 ms.
    await waitFor(
      "the file to drop web-a",
      () => !readFileSync(sluice.renderedFile, "utf8").includes(a.address),
      1000,
    );
  });

  test("deleting every backend leaves HAProxy running with an empty backend answering 503", async () => {
    const deleted = await etcd.client.delete().key("/apps/web/b");
    expect((await sluice.waitApplied(deleted.header.revision)).backends).toBe(0);
    const response = await sluice.get("/", { headers: { connection: "close" } });
    expect(response.status).toBe(503);
    const status = await sluice.status();
    expect(status.haproxy.running).toBe(true);
    expect(status.services).toBe(1);
    expect(readFileSync(sluice.renderedFile, "utf8")).toMatch(/backend web\n/);
  });

  test("/readyz is ready once synced and applied", async () => {
    const response = await fetch(`${sluice.adminUrl}/readyz`);
    expect(response.status).toBe(200);
  });
});
