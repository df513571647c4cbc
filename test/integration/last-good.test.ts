// A broken template, or a config HAProxy refuses, never replaces the config being served.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { DEFAULT_TEMPLATE } from "../../src/render/default-template.ts";
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
  sluice = await startSluice({ etcdEndpoint: etcd.endpoint, template: DEFAULT_TEMPLATE });
  const put = await etcd.client.put("/apps/web/a").value(`web-a ${a.address}`);
  await sluice.waitApplied(put.header.revision);
});

afterAll(async () => {
  await sluice?.stop();
  a?.stop();
  b?.stop();
  await etcd?.stop();
});

async function forceReload(): Promise<{
  status: number;
  body: { ok: boolean; error?: string; outcome?: string };
}> {
  const response = await sluice.reload();
  return {
    status: response.status,
    body: (await response.json()) as { ok: boolean; error?: string; outcome?: string },
  };
}

describe("last good config wins", () => {
  test("a template syntax error keeps the previous config serving", async () => {
    const served = readFileSync(sluice.renderedFile, "utf8");
    writeFileSync(sluice.templateFile, `${DEFAULT_TEMPLATE}\n{% for x in %}\n`);
    const reload = await forceReload();
    expect(reload.status).toBe(500);
    expect(reload.body.error).toContain(sluice.templateFile);

    const status = await sluice.status();
    expect(status.apply.last_error).toContain(sluice.templateFile);
    expect(status.haproxy.running).toBe(true);
    expect(readFileSync(sluice.renderedFile, "utf8")).toBe(served);
    expect(await sluice.sample(5)).toEqual(Array(5).fill("web-a"));
    expect((await fetch(`${sluice.adminUrl}/readyz`)).status).toBe(503);
  });

  test("a config HAProxy rejects keeps the previous config serving, even across etcd changes", async () => {
    const served = readFileSync(sluice.renderedFile, "utf8");
    const reloadsBefore = (await sluice.status()).haproxy.reloads;
    writeFileSync(
      sluice.templateFile,
      DEFAULT_TEMPLATE.replace(
        "    stats timeout 30s\n",
        "    stats timeout 30s\n    no-such-directive on\n",
      ),
    );
    const put = await etcd.client.put("/apps/web/b").value(`web-b ${b.address}`);
    await waitFor("the failed apply", async () => {
      const s = await sluice.status();
      return (
        s.apply.revision < Number(put.header.revision) &&
        s.apply.last_error?.includes("no-such-directive")
      );
    });
    expect(sluice.log()).toContain("no-such-directive");
    expect(readFileSync(sluice.renderedFile, "utf8")).toBe(served);
    const status = await sluice.status();
    expect(status.haproxy.reloads).toBe(reloadsBefore);
    expect(status.haproxy.running).toBe(true);
    expect(await sluice.sample(6)).toEqual(Array(6).fill("web-a"));
  });

  test("fixing the template applies the newest state", async () => {
    writeFileSync(sluice.templateFile, DEFAULT_TEMPLATE);
    const reload = await forceReload();
    expect(reload.body).toEqual({ ok: true, outcome: "reloaded" });
    const status = await sluice.status();
    expect(status.apply.last_error).toBeNull();
    expect(status.backends).toBe(2);
    expect(new Set(await sluice.sample(6))).toEqual(new Set(["web-a", "web-b"]));
    expect(readFileSync(`${sluice.renderedFile}.last-good`, "utf8")).toBe(
      readFileSync(sluice.renderedFile, "utf8"),
    );
  });
});
