// The compiled executable needs nothing from node_modules: copied elsewhere, it still talks to
// etcd (gRPC protos embedded) and renders the embedded template.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { SLUICE_BINARY } from "../helpers/sluice.ts";

const NODE_MODULES = join(import.meta.dir, "..", "..", "node_modules");
let etcd: TestEtcd;
let dir: string;

beforeAll(async () => {
  etcd = await startEtcd();
  dir = mkdtempSync(join(tmpdir(), "sluice-compiled-"));
  copyFileSync(SLUICE_BINARY, join(dir, "sluice"));
  symlinkSync("sluice", join(dir, "lbctl"));
});

afterAll(async () => {
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `argv` with the repo's node_modules hidden behind an empty tmpfs (needs root). */
function runIsolated(argv: string[]) {
  const script = `mount -t tmpfs none "${NODE_MODULES}" && exec "$@"`;
  return Bun.spawnSync(["unshare", "--mount", "sh", "-c", script, "sh", ...argv], {
    cwd: dir,
    stdout: "pipe",
    stderr: "pipe",
  });
}

describe("the compiled executable", () => {
  test("copied to a directory with no node_modules, it reads etcd and renders", async () => {
    await etcd.client.put("/apps/web/a").value("web-a 127.0.0.1:9001");
    await etcd.client.put("/apps/api/x").value('{"addr":"[::1]:9002","weight":5}');
    writeFileSync(
      join(dir, "sluice.toml"),
      `state_dir = "state"
[etcd]
endpoints = ["${etcd.endpoint}"]
[haproxy]
runtime_dir = "run"
bind = "127.0.0.1:18080"
stats_bind = "127.0.0.1:18888"
`,
    );
    // A .env and bunfig.toml in the working directory must not be loaded by the executable.
    writeFileSync(join(dir, ".env"), "BUN_CONFIG_VERBOSE_FETCH=curl\n");
    writeFileSync(join(dir, "bunfig.toml"), 'preload = ["./missing-preload.ts"]\n');

    const result = runIsolated([join(dir, "sluice"), "serve", "--once", "--config", "sluice.toml"]);
    const stderr = result.stderr.toString();
    expect(stderr).not.toContain("ENOENT");
    expect(result.exitCode).toBe(0);
    const rendered = readFileSync(join(dir, "state", "haproxy.cfg"), "utf8");
    expect(rendered).toContain("server web-a 127.0.0.1:9001 check weight 1");
    expect(rendered).toContain("server x [::1]:9002 check weight 5");
  });

  test("lbctl is the same executable, chosen by its name", () => {
    const version = runIsolated([join(dir, "lbctl"), "version"]);
    expect(version.exitCode).toBe(0);
    expect(version.stdout.toString()).toMatch(/^sluice \d+\.\d+\.\d+/);
    const usage = runIsolated([join(dir, "lbctl")]);
    expect(usage.exitCode).toBe(2);
    expect(usage.stdout.toString()).toContain("usage: lbctl");
  });

  test("lbctl check validates config, template and haproxy -c", () => {
    const ok = runIsolated([join(dir, "lbctl"), "check", "--config", "sluice.toml"]);
    expect(ok.stderr.toString()).toBe("");
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout.toString()).toContain("haproxy -c");
    writeFileSync(join(dir, "broken.liquid"), "global\n    no-such-keyword {{ revision }}\n");
    writeFileSync(
      join(dir, "broken.toml"),
      `[haproxy]\ntemplate = "broken.liquid"\nruntime_dir = "run"\nbind = "127.0.0.1:18080"\n`,
    );
    const bad = runIsolated([join(dir, "lbctl"), "check", "--config", "broken.toml"]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr.toString()).toContain("no-such-keyword");
  });
});
