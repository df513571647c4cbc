// `lbctl check` says whether the open-file limit holds HAProxy with the servers last saved.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatCheck } from "../../../src/cli/check.ts";
import { checkFdLimit } from "../../../src/cli/check-fd.ts";
import { loadConfig } from "../../../src/config/load.ts";
import { snapshotPath, writeSnapshot } from "../../../src/snapshot.ts";

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A config whose state_dir holds a snapshot of `servers` servers of one service. */
function configWithServers(servers: number) {
  dir = mkdtempSync(join(tmpdir(), "sluice-check-fd-"));
  const file = join(dir, "sluice.toml");
  writeFileSync(file, `state_dir = "state"\n[haproxy]\nruntime_dir = "run"\n`);
  mkdirSync(join(dir, "state"));
  const kvs = Array.from({ length: servers }, (_, i) => ({
    key: `/apps/web/w${i}`,
    value: `w${i} 10.1.${i >> 8}.${i & 255}:80`,
    createRevision: 1,
  }));
  writeSnapshot(snapshotPath(join(dir, "state")), 7, kvs);
  return loadConfig(file);
}

describe("lbctl check's open-file limit", () => {
  test("a generous limit passes without a word", () => {
    expect(checkFdLimit(configWithServers(2000), 1_048_576)).toEqual({});
  });

  test("a limit that lowers maxconn is a warning naming the limit and the slots", () => {
    const fd = checkFdLimit(configWithServers(2000), 8192);
    expect(fd.error).toBeUndefined();
    expect(fd.warning).toMatch(/limit \(8192\) is too low for 2500 server slots at maxconn 4096/);
    expect(formatCheck({ ok: true, checked: ["x"], warnings: [fd.warning!] })).toContain(
      "\nwarning: the file-descriptor limit (8192)",
    );
  });

  test("a limit below the saved servers fails, naming what HAProxy needs", () => {
    expect(checkFdLimit(configWithServers(2000), 1024).error).toMatch(
      /limit \(1024\) is too low for 2500 server slots: HAProxy needs at least \d+; raise LimitNOFILE=/,
    );
  });
});
