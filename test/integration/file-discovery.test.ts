// discovery = "file" end to end: keys from a watched YAML file → haproxy.cfg → HAProxy, with the
// compiled executable and a real HAProxy, and no etcd at all.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

let sluice: TestSluice;
let a: TestBackend;
let b: TestBackend;
let keysDir: string;
let keysFile: string;

/** Replaces the key file as an editor does: a new file renamed over the old one. */
function writeKeys(text: string): void {
  writeFileSync(`${keysFile}.tmp`, text);
  renameSync(`${keysFile}.tmp`, keysFile);
}

/** Waits until `count` requests in a row are all answered by exactly the backends `names`. */
async function waitRouting(names: string[], count = 8): Promise<void> {
  await waitFor(
    `traffic to exactly ${names.join(", ")}`,
    async () => {
      const seen = new Set(await sluice.sample(count));
      return seen.size === names.length && names.every((name) => seen.has(name));
    },
    5000,
    20,
  );
}

beforeAll(async () => {
  a = startBackend("web-a");
  b = startBackend("web-b");
  keysDir = mkdtempSync(join(tmpdir(), "sluice-keys-"));
  keysFile = join(keysDir, "keys.yaml");
  // A slash key at the top level, as confd's file backend takes it.
  writeKeys(`"/apps/web/a": "web-a ${a.address}"\n`);
  sluice = await startSluice({
    // Nothing listens there: with file discovery sluice must never need it.
    etcdEndpoint: "http://127.0.0.1:9",
    topToml: 'discovery = "file"',
    extraToml: `[file]\npath = "${keysFile}"\n\n[apply]\nallow_empty = true\nmax_drop_percent = 100\n`,
  });
});

afterAll(async () => {
  const code = await sluice?.stop();
  a?.stop();
  b?.stop();
  if (keysDir) rmSync(keysDir, { recursive: true, force: true });
  expect(code).toBe(0);
});

describe('sluice with discovery = "file"', () => {
  test("serves the file's registrations, and status names the file as the source", async () => {
    await waitRouting(["web-a"]);
    const status = await sluice.waitApplied(1);
    expect(status.etcd).toMatchObject({
      connected: true,
      synced: true,
      revision: 1,
      endpoint: `file:${keysFile}`,
      last_error: null,
    });
    expect(status.backends).toBe(1);
    const ready = await fetch(`${sluice.adminUrl}/readyz`);
    expect(ready.status).toBe(200);
  });

  test("an edit that adds a backend (nested maps) routes to both", async () => {
    writeKeys(`apps:\n  web:\n    a: "web-a ${a.address}"\n    b: "web-b ${b.address}"\n`);
    await waitRouting(["web-a", "web-b"]);
    const status = await sluice.waitApplied(2);
    expect(status.etcd.revision).toBe(2);
    expect(status.backends).toBe(2);
  });

  test("an edit that removes a backend stops its traffic", async () => {
    writeKeys(`apps:\n  web:\n    b: "web-b ${b.address}"\n`);
    await waitRouting(["web-b"]);
    expect((await sluice.waitApplied(3)).backends).toBe(1);
  });

  test("a broken file keeps the last good set serving, and shows the error", async () => {
    writeKeys(`apps:\n  web:\n    a: "web-a ${a.address}"\n   b: [unclosed\n`);
    const status = await waitFor(
      "the parse error in status",
      async () => {
        const current = await sluice.status();
        return current.etcd.connected ? undefined : current;
      },
      5000,
    );
    expect(status.etcd.last_error).toContain(keysFile);
    expect(status.etcd.revision).toBe(3);
    expect(status.etcd.synced).toBe(true);
    expect(new Set(await sluice.sample(8))).toEqual(new Set(["web-b"]));
    expect(sluice.log()).toContain("key file unusable");
  });

  test("a missing file keeps serving too, and the fixed file is picked up", async () => {
    rmSync(keysFile);
    await Bun.sleep(300);
    expect(new Set(await sluice.sample(8))).toEqual(new Set(["web-b"]));
    writeKeys(`apps:\n  web:\n    a: "web-a ${a.address}"\n`);
    await waitRouting(["web-a"]);
    const status = await sluice.waitApplied(4);
    expect(status.etcd).toMatchObject({ connected: true, revision: 4, last_error: null });
  });

  test("nothing asked etcd: its endpoint appears nowhere, one recovery is counted", async () => {
    // etcd discovery, or a removal leader's election, would log the unreachable endpoint.
    expect(sluice.log()).not.toContain("127.0.0.1:9");
    const status = await sluice.status();
    expect(status.etcd.reconnects).toBe(1);
  });
});
