// Shared by the render tests: a fixed [haproxy] section and a `haproxy -c` runner.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { HaproxyConfig } from "../../../src/config/schema.ts";
import { embeddedFiles } from "../../../src/render/embedded-files.ts";

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

/** Runs `haproxy -c -f file` as it is. */
function runCheck(file: string): CheckOutcome {
  const result = Bun.spawnSync([HAPROXY_BINARY, "-c", "-f", file], {
    stdout: "pipe",
    stderr: "pipe",
  });
  return {
    exitCode: result.exitCode,
    output: `${result.stdout.toString()}${result.stderr.toString()}`,
  };
}

/** Runs `haproxy -c` on a rendered file (a golden file), with the files it carries. */
export function checkFile(file: string): CheckOutcome {
  return checkText(readFileSync(file, "utf8"));
}

/**
 * Writes `text` to a temporary file and runs `haproxy -c` on it. The files it carries (hosts.map)
 * are written beside it, and the paths the text gives them beside FIXED_HAPROXY.config point there.
 */
export function checkText(text: string): CheckOutcome {
  const dir = mkdtempSync(join(tmpdir(), "sluice-unit-"));
  try {
    let placed = text;
    for (const carried of embeddedFiles(text)) {
      writeFileSync(join(dir, carried.name), carried.content);
      placed = placed
        .split(join(dirname(FIXED_HAPROXY.config), carried.name))
        .join(join(dir, carried.name));
    }
    const file = join(dir, "haproxy.cfg");
    writeFileSync(file, placed);
    return runCheck(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
