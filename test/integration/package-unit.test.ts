// The packaged systemd unit: `systemd-analyze verify` has nothing to say about it, and
// `systemd-analyze security` scores it at most 2.5, the score README states.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildRpm, extractRpm, REPO } from "../helpers/rpm.ts";

const HIGHEST_EXPOSURE = 2.5;

let root: string;
let unitFile: string;
let unitText: string;
const temporary: string[] = [];

beforeAll(() => {
  root = extractRpm(buildRpm());
  temporary.push(root);
  unitFile = join(root, "usr/lib/systemd/system/sluice.service");
  unitText = readFileSync(unitFile, "utf8");
});

afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** Writes `text` as sluice.service in a new directory (the unit's name comes from its file). */
function unitCopy(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-unit-"));
  temporary.push(dir);
  writeFileSync(join(dir, "sluice.service"), text);
  return join(dir, "sluice.service");
}

/** Replaces exactly one occurrence of `from` in the packaged unit. */
function changedUnit(from: string | RegExp, to: string): string {
  const changed = unitText.replace(from, to);
  expect(changed, `the unit has no ${from}`).not.toBe(unitText);
  return changed;
}

/**
 * Everything `systemd-analyze verify` prints about `file`, and its exit code. The unit runs
 * /usr/bin/sluice and /usr/bin/lbctl, which only the package holds: a private mount namespace
 * (needs root) lays the extracted usr/bin over the host's, read-only, for this one command, so
 * verify checks the packaged executables and the host's own targets and units.
 */
function verify(file: string): { exitCode: number; output: string } {
  const script =
    'mount -t overlay overlay -o "lowerdir=$1:/usr/bin" /usr/bin && exec systemd-analyze verify "$2"';
  const result = Bun.spawnSync(
    ["unshare", "--mount", "sh", "-c", script, "verify", join(root, "usr/bin"), file],
    { stdout: "pipe", stderr: "pipe" },
  );
  return {
    exitCode: result.exitCode,
    output: result.stdout.toString() + result.stderr.toString(),
  };
}

/** The exposure level `systemd-analyze security --offline=true` gives `file`. */
function exposure(file: string): number {
  const result = Bun.spawnSync(["systemd-analyze", "security", "--offline=true", file], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const output = result.stdout.toString() + result.stderr.toString();
  const level = /Overall exposure level for sluice\.service: (\d+\.\d+)/.exec(output)?.[1];
  expect(level, output).toBeDefined();
  return Number(level);
}

describe("systemd-analyze verify", () => {
  test("prints nothing for the packaged unit", () => {
    const result = verify(unitFile);
    expect(result.output).toBe("");
    expect(result.exitCode).toBe(0);
  });

  test("speaks up for a misspelt setting and for a missing executable", () => {
    const typo = verify(unitCopy(changedUnit("ProtectSystem=strict", "ProtectSystm=strict")));
    expect(typo.output).toContain("Unknown key 'ProtectSystm'");
    const missing = verify(
      unitCopy(changedUnit("ExecStart=/usr/bin/sluice ", "ExecStart=/usr/bin/sluicex ")),
    );
    expect(missing.output).toContain("/usr/bin/sluicex is not executable");
  });
});

describe("systemd-analyze security", () => {
  test(`scores the unit at most ${HIGHEST_EXPOSURE}, the score README states`, () => {
    const level = exposure(unitFile);
    console.log(`systemd-analyze security: overall exposure level for sluice.service: ${level}`);
    expect(level).toBeLessThanOrEqual(HIGHEST_EXPOSURE);
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    const install = readme.slice(
      readme.indexOf("\n## Install\n"),
      readme.indexOf("\n## Configuration\n"),
    );
    const stated = /`systemd-analyze security` scores it (\d+\.\d+)/.exec(install)?.[1];
    expect(
      stated,
      "README's Install section states no systemd-analyze security score",
    ).toBeDefined();
    expect(stated).toBe(level.toFixed(1));
  });

  test("scores the unit without its hardening block above the limit", () => {
    const unhardened = unitText.replace(/^# Hardening[\s\S]*?(?=^\[Install\])/m, "");
    expect(unhardened).not.toBe(unitText);
    expect(exposure(unitCopy(unhardened))).toBeGreaterThan(HIGHEST_EXPOSURE);
  });
});
