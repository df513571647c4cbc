// Structural changes reload HAProxy: once per burst, rolled back when HAProxy refuses, and never
// for a mass removal that the guards hold back.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { DEFAULT_TEMPLATE } from "../../src/render/default-template.ts";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { startLoad } from "../helpers/load.ts";
import { freePort, waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

let etcd: TestEtcd;
let sluice: TestSluice;
const backends: TestBackend[] = [];

function newBackend(name: string): TestBackend {
  const backend = startBackend(name);
  backends.push(backend);
  return backend;
}

beforeAll(async () => {
  etcd = await startEtcd();
  sluice = await startSluice({ etcdEndpoint: etcd.endpoint, template: DEFAULT_TEMPLATE });
  const put = await etcd.client.put("/apps/web/a").value(`a ${newBackend("a").address}`);
  await sluice.waitApplied(put.header.revision);
});

afterAll(async () => {
  await sluice?.stop();
  for (const backend of backends) backend.stop();
  await etcd?.stop();
});

describe("structural changes", () => {
  test("a new service registered as a burst of 20 keys costs one reload", async () => {
    const before = await sluice.status();
    const puts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        etcd.client.put(`/apps/api/i${i}`).value(`api-${i} ${newBackend(`api-${i}`).address}`),
      ),
    );
    const last = Math.max(...puts.map((p) => Number(p.header.revision)));
    const after = await sluice.waitApplied(last);
    expect(after.backends).toBe(21);
    expect(after.haproxy.reloads - before.haproxy.reloads).toBe(1);
    const names = new Set(await sluice.sample(40, "api"));
    expect(names.size).toBe(20);
    // The reload kept the server state of the servers that stayed.
    expect(existsSync(`${sluice.dir}/state/haproxy.state`)).toBe(true);
  });

  test("more new servers than free slots route at once without a reload; a background reload gives them slots", async () => {
    const before = await sluice.status();
    const puts = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        etcd.client.put(`/apps/web/more${i}`).value(`more-${i} ${newBackend(`more-${i}`).address}`),
      ),
    );
    const after = await sluice.waitApplied(Math.max(...puts.map((p) => Number(p.header.revision))));
    expect(after.backends).toBe(33);
    expect(after.haproxy.reloads).toBe(before.haproxy.reloads);
    const web = new Set(await sluice.sample(26, "web"));
    expect(web.size).toBe(13);
    // The servers added at runtime move into slots in one reload of their own, off the
    // critical path; the next tests count reloads from a quiet state.
    await waitFor(
      "the background reload",
      async () =>
        (await sluice.status()).haproxy.reloads > before.haproxy.reloads ? true : undefined,
      5000,
    );
    await Bun.sleep(1200);
    const settled = await sluice.status();
    expect(settled.haproxy.reloads).toBe(before.haproxy.reloads + 1);
    expect(settled.apply.pending).toBe(false);
    expect(new Set(await sluice.sample(26, "web")).size).toBe(13);
  });

  test("a reload HAProxy refuses is rolled back and traffic never stops", async () => {
    const load = startLoad({
      url: `http://127.0.0.1:${sluice.httpPort}/`,
      concurrency: 2,
      keepAlive: false,
      headers: { host: "api" },
      maxMs: 30_000,
      maxRequests: 200_000,
    });
    const served = readFileSync(sluice.renderedFile, "utf8");
    const reloadsBefore = (await sluice.status()).haproxy.reloads;
    // `haproxy -c` accepts this, but HAProxy cannot create the socket when it reloads.
    writeFileSync(
      sluice.templateFile,
      DEFAULT_TEMPLATE.replace(
        "    stats timeout 30s\n",
        "    stats timeout 30s\n    stats socket /nonexistent-dir/x.sock\n",
      ),
    );
    const response = await sluice.reload();
    const body = (await response.json()) as { ok: boolean; error?: string };
    expect(response.status).toBe(500);
    expect(body.error).toContain("refused the reload");
    expect(readFileSync(sluice.renderedFile, "utf8")).toBe(served);
    expect((await sluice.status()).apply.last_error).toContain("refused the reload");

    // Restore the template: the next apply works again.
    writeFileSync(sluice.templateFile, DEFAULT_TEMPLATE);
    const fixed = await sluice.reload();
    expect(fixed.status).toBe(200);
    const result = await load.stop();
    expect(result.failed).toBe(0);
    expect(result.ok).toBeGreaterThan(50);
    const status = await sluice.status();
    expect(status.apply.last_error).toBeNull();
    expect(status.haproxy.reloads).toBe(reloadsBefore + 1);
  });

  test("a reload that would bind a taken port is refused before HAProxy pauses its listeners", async () => {
    const load = startLoad({
      url: `http://127.0.0.1:${sluice.httpPort}/`,
      concurrency: 2,
      keepAlive: false,
      maxMs: 30_000,
      maxRequests: 200_000,
    });
    const served = readFileSync(sluice.renderedFile, "utf8");
    const taken = Bun.listen({ hostname: "127.0.0.1", port: freePort(), socket: { data() {} } });
    writeFileSync(
      sluice.templateFile,
      `${DEFAULT_TEMPLATE}\nlisten taken\n    bind 127.0.0.1:${taken.port}\n    mode http\n`,
    );
    const response = await sluice.reload();
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: string }).error).toContain(
      `127.0.0.1:${taken.port} is already in use`,
    );
    expect(readFileSync(sluice.renderedFile, "utf8")).toBe(served);
    taken.stop(true);
    writeFileSync(sluice.templateFile, DEFAULT_TEMPLATE);
    expect((await sluice.reload()).status).toBe(200);
    const result = await load.stop();
    expect([...result.errors]).toEqual([]);
    expect(result.ok).toBeGreaterThan(50);
  });
});

describe("removal guards", () => {
  test("deleting 90 % of a service at once is held back and the servers keep serving", async () => {
    const keep = newBackend("m-keep");
    const gone = Array.from({ length: 9 }, (_, i) => newBackend(`m-gone-${i}`));
    await etcd.client.put("/apps/mass/keep").value(`m-keep ${keep.address}`);
    let last = "0";
    for (const [i, b] of gone.entries()) {
      last = (await etcd.client.put(`/apps/mass/gone-${i}`).value(`${b.name} ${b.address}`)).header
        .revision;
    }
    expect((await sluice.waitApplied(last)).held).toEqual([]);
    const deleted = await etcd.client.delete().prefix("/apps/mass/gone-");
    expect(Number(deleted.deleted)).toBe(9);
    const status = await sluice.waitApplied(deleted.header.revision);
    expect(status.held).toHaveLength(1);
    expect(status.held[0]!.service).toBe("mass");
    expect(status.held[0]!.held).toBe(9);
    expect(status.held[0]!.reason).toContain("max_drop_percent");
    const names = new Set(await sluice.sample(20, "mass"));
    expect(names.size).toBe(10);
    expect(sluice.log()).toContain("guard held back removals");
  });

  test("deleting every server of a service is held back", async () => {
    const deleted = await etcd.client.delete().prefix("/apps/mass/");
    const status = await sluice.waitApplied(deleted.header.revision);
    expect(status.held[0]?.reason).toContain("allow_empty");
    const response = await sluice.get("/", { headers: { host: "mass", connection: "close" } });
    expect(response.status).toBe(200);
  });

  test("a held service still takes new servers", async () => {
    const b = newBackend("m-back");
    const put = await etcd.client.put("/apps/mass/back").value(`m-back ${b.address}`);
    const status = await sluice.waitApplied(put.header.revision);
    // One registration against the ten served is still a 90 % drop: the hold stays, and the
    // new server serves alongside the held ones.
    expect(status.held).toHaveLength(1);
    const names = new Set(await sluice.sample(30, "mass"));
    expect(names.has("m-back")).toBe(true);
    expect(names.size).toBe(11);
  });
});
