// Shared by the render tests: a fixed [haproxy] section and a `haproxy -c` runner.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HaproxyConfig } from "../../../src/config/schema.ts";

export const HAPROXY_BINARY = "/usr/sbin/haproxy";

/** A resolved [haproxy] section with fixed values, as resolveConfig would produce it. */
export const FIXED_HAPROXY: HaproxyConfig = {
  binary: HAPROXY_BINARY,
  template: "/etc/sluice/templates/haproxy.cfg.liquid",
  config: "/var/lib/sluice/haproxy.cfg",
  runtimeDir: "/run/sluice",
  reload: "master-worker",
  bind: "127.0.0.1:8080",
  statsBind: "127.0.0.1:8888",
  defaultService: "",
  hardStopAfterMs: 30_000,
  checkTimeoutMs: 30_000,
  maxOldWorkers: 3,
  spareSlots: 8,
  renderTimeoutMs: 2000,
  renderMemoryLimit: 10_000_000,
  templateSizeLimit: 1_000_000,
  cookieKey: "sluice",
  trustedPrefixes: [],
};

export type CheckOutcome = { exitCode: number; output: string };

/** Runs `haproxy -c -f file`. */
export function checkFile(file: string): CheckOutcome {
  const result = Bun.spawnSync([HAPROXY_BINARY, "-c", "-f", file], {
    stdout: "pipe",
    stderr: "pipe",
  });
  return {
    exitCode: result.exitCode,
    output: `${result.stdout.toString()}${result.stderr.toString()}`,
  };
}

/** Writes `text` to a temporary file and runs `haproxy -c` on it. */
export function checkText(text: string): CheckOutcome {
  const dir = mkdtempSync(join(tmpdir(), "sluice-unit-"));
  try {
    const file = join(dir, "haproxy.cfg");
    writeFileSync(file, text);
    return checkFile(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
