// A failure is retried, and nothing escapes: a full disk under the config file while the fast path
// runs, and a template HAProxy refuses, both heal by themselves once the cause is gone.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_TEMPLATE } from "../../src/render/default-template.ts";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

let etcd: TestEtcd;
let sluice: TestSluice;
let disk = "";
const backends = new Map<string, TestBackend>();

function backend(name: string): TestBackend {
  const started = startBackend(name);
  backends.set(name, started);
  return started;
}

async function register(name: string): Promise<number> {
  const put = await etcd.client.put(`/apps/web/${name}`).value(`${name} ${backend(name).address}`);
  return Number(put.header.revision);
}

/** Fills the small disk until a write fails; returns the filler file. */
function fillDisk(): string {
  const filler = join(disk, "filler");
  const chunk = Buffer.alloc(4096, 1);
  let written = 0;
  try {
    for (;;) {
      writeFileSync(filler, chunk, { flag: written === 0 ? "w" : "a" });
      written++;
    }
  } catch {
    // ENOSPC: the disk is full.
  }
  return filler;
}

beforeAll(async () => {
  disk = mkdtempSync(join(tmpdir(), "sluice-small-disk-"));
  const mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", disk]);
  if (mounted.exitCode !== 0) throw new Error(`mount: ${mounted.stderr.toString()}`);
  etcd = await startEtcd();
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    template: DEFAULT_TEMPLATE,
    haproxyToml: `config = "${join(disk, "haproxy.cfg")}"\nspare_slots = 8`,
    extraToml: '[[service]]\nname = "web"\nbalance = "roundrobin"\n',
  });
  await sluice.waitApplied(await register("a"), 10_000);
  await sluice.waitApplied(await register("b"), 10_000);
});

afterAll(async () => {
  await sluice?.stop();
  for (const started of backends.values()) started.stop();
  await etcd?.stop();
  Bun.spawnSync(["umount", disk]);
  rmSync(disk, { recursive: true, force: true });
});

describe("failures are retried", () => {
  test("a full disk while the config file follows the fast path heals once space is freed", async () => {
    const filler = fillDisk();
    const revision = await register("c");
    // Routed at once through the runtime API, although the file cannot follow.
    await waitFor("c routed", async () => (await sluice.sample(8, "web")).includes("c"), 5000);
    const failing = await waitFor(
      "the failed file sync",
      async () => {
        const status = await sluice.status();
        return status.apply.last_error?.includes("ENOSPC") ? status : undefined;
      },
      5000,
    );
    expect(failing.apply.config_synced).toBe(false);
    expect(failing.apply.pending).toBe(true);
    expect(failing.apply.next_retry_at).not.toBeNull();
    expect((await fetch(`${sluice.adminUrl}/healthz`)).status).toBe(200);

    rmSync(filler);
    const healed = await sluice.waitApplied(revision, 15_000);
    expect(healed.apply.last_error).toBeNull();
    expect(healed.apply.next_retry_at).toBeNull();
    expect(readFileSync(join(disk, "haproxy.cfg"), "utf8")).toContain(backends.get("c")!.address);
  });

  test("an apply HAProxy refused is tried again, and succeeds once the template is fixed", async () => {
    writeFileSync(
      sluice.templateFile,
      DEFAULT_TEMPLATE.replace(
        "    stats timeout 30s\n",
        "    stats timeout 30s\n    no-such-directive on\n",
      ),
    );
    const revision = await register("d");
    await waitFor(
      "the refused apply",
      async () => (await sluice.status()).apply.last_error?.includes("no-such-directive"),
      5000,
    );
    // Fixed, with no etcd change and no reload asked for: the retry applies it.
    writeFileSync(sluice.templateFile, DEFAULT_TEMPLATE);
    const healed = await sluice.waitApplied(revision, 15_000);
    expect(healed.apply.last_error).toBeNull();
    expect(new Set(await sluice.sample(12, "web"))).toContain("d");
  });
});
