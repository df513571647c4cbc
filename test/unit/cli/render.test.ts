// `lbctl render`: the template rendered from a snapshot file, offline (no etcd, no HAProxy), to
// stdout; from the state_dir's snapshot when --snapshot is not given.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLbctl } from "../../helpers/cli.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "sluice-render-unit-"));
  dirs.push(dir);
  const config = join(dir, "sluice.toml");
  writeFileSync(
    config,
    `state_dir = "state"\n\n[etcd]\nendpoints = ["http://127.0.0.1:1"]\n\n[haproxy]\nruntime_dir = "${join(dir, "run")}"\nbind = "127.0.0.1:18080"\nstats_bind = "127.0.0.1:18888"\n`,
  );
  const snapshot = (path: string, kvs: { key: string; value: string }[]) => {
    writeFileSync(path, JSON.stringify({ revision: 7, savedAt: "2026-01-01T00:00:00Z", kvs }));
    return path;
  };
  return { dir, config, snapshot };
}

describe("lbctl render", () => {
  test("--snapshot FILE renders its keys to stdout", async () => {
    const { dir, config, snapshot } = setup();
    const file = snapshot(join(dir, "snap.json"), [
      { key: "/apps/web/a", value: "web-a 10.1.2.3:9000" },
      { key: "/apps/api/b", value: "api-b 10.1.2.4:9001" },
    ]);
    const result = await runLbctl(["render", "--snapshot", file, "--config", config]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/\n\s*server \S+ 10\.1\.2\.3:9000\b/);
    expect(result.out).toMatch(/\n\s*server \S+ 10\.1\.2\.4:9001\b/);
    expect(result.out).toContain("127.0.0.1:18080");
    const json = await runLbctl(["render", "--snapshot", file, "--config", config, "--json"]);
    const report = JSON.parse(json.out) as Record<string, unknown>;
    expect(report).toMatchObject({ snapshot: file, revision: 7, services: 2, backends: 2 });
    expect(report.config).toBe(result.out);
  });

  test("without --snapshot it reads state_dir/snapshot.json, and lists rejected keys in --json", async () => {
    const { dir, config, snapshot } = setup();
    mkdirSync(join(dir, "state"));
    snapshot(join(dir, "state", "snapshot.json"), [
      { key: "/apps/web/a", value: "web-a 10.9.9.9:80" },
      { key: "/apps/web/bad", value: "not an address" },
    ]);
    const result = await runLbctl(["render", "--config", config, "--json"]);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.out) as { config: string; rejected: { key: string }[] };
    expect(report.config).toContain("10.9.9.9:80");
    expect(report.rejected.map((rejected) => rejected.key)).toEqual(["/apps/web/bad"]);
  });

  test("no snapshot: exit 1, naming the path and where one comes from", async () => {
    const { dir, config } = setup();
    const result = await runLbctl(["render", "--config", config]);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`no readable snapshot at ${join(dir, "state", "snapshot.json")}`);
    expect(result.err).toContain("pass --snapshot FILE");
    writeFileSync(join(dir, "junk.json"), "{");
    const junk = await runLbctl([
      "render",
      "--config",
      config,
      "--snapshot",
      join(dir, "junk.json"),
    ]);
    expect(junk.code).toBe(1);
    expect(junk.err).toContain("it must be a snapshot.json as sluice saves it");
  });
});
