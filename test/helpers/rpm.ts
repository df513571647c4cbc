// Builds the RPM the way `make rpm` does (packaging/rpm.sh), once per release per test run, and
// extracts it into a directory outside the repository, where no node_modules is reachable.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REPO = join(import.meta.dir, "../..");

const built = new Map<string, string>();
const temporary: string[] = [];
// Every test file of a run shares one process: the packages live until it exits.
process.on("exit", () => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** Runs `command` and returns its stdout; throws with its stderr when it fails. */
export function run(command: string[], options: { cwd?: string } = {}): string {
  const result = Bun.spawnSync(command, { cwd: options.cwd ?? REPO, stderr: "pipe" });
  if (result.exitCode !== 0) {
    throw new Error(`${command.join(" ")} exited ${result.exitCode}: ${result.stderr.toString()}`);
  }
  return result.stdout.toString();
}

/**
 * The path of the binary RPM for this machine's architecture. Release 1 is `make rpm`'s own
 * dist/sluice-<version>-1.<arch>.rpm; other releases are built in a temporary directory.
 */
export function buildRpm(release = 1): string {
  const key = String(release);
  const cached = built.get(key);
  if (cached) return cached;
  const out = release === 1 ? join(REPO, "dist") : mkdtempSync(join(tmpdir(), "sluice-rpm-"));
  if (release !== 1) temporary.push(out);
  const output = Bun.spawnSync(["bash", "packaging/rpm.sh"], {
    cwd: REPO,
    env: { ...process.env, RPM_RELEASE: key, RPM_OUT: out },
    stderr: "pipe",
  });
  if (output.exitCode !== 0) {
    throw new Error(`packaging/rpm.sh failed: ${output.stderr.toString()}`);
  }
  const path = output.stdout.toString().trim().split("\n").at(-1)!;
  built.set(key, path);
  return path;
}

/** Extracts `rpmFile` (rpm2cpio | cpio) into a new temporary directory and returns it. */
export function extractRpm(rpmFile: string): string {
  const root = mkdtempSync(join(tmpdir(), "sluice-extracted-"));
  temporary.push(root);
  const result = Bun.spawnSync(
    ["bash", "-c", 'rpm2cpio "$1" | cpio -idm --quiet', "extract", rpmFile],
    { cwd: root, stderr: "pipe" },
  );
  if (result.exitCode !== 0) {
    throw new Error(`extracting ${rpmFile} failed: ${result.stderr.toString()}`);
  }
  return root;
}
