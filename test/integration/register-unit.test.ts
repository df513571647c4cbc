// systemd/sluice-register@.service: `systemd-analyze verify` has nothing to say about it (with
// the executable made available at /usr/bin/sluice in a private mount namespace), and
// `systemd-analyze security` scores it as well hardened.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SLUICE_BINARY } from "../helpers/sluice.ts";

const UNIT = join(import.meta.dir, "..", "..", "systemd", "sluice-register@.service");
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sluice-register-unit-"));
  for (const sub of ["upper", "work", "units", "typo"]) mkdirSync(join(dir, sub));
  copyFileSync(SLUICE_BINARY, join(dir, "upper", "sluice"));
  copyFileSync(UNIT, join(dir, "units", "sluice-register@.service"));
  const typo = readFileSync(UNIT, "utf8").replace("ProtectHome=yes", "ProtectHomee=yes");
  writeFileSync(join(dir, "typo", "sluice-register@.service"), typo);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `systemd-analyze verify` of instance `web` of the template in `units`, with /usr/bin/sluice
 * present (an overlay on /usr/bin, in a mount namespace of its own; needs root). */
function verify(units: string): { code: number | null; output: string } {
  const script = [
    `mount -t overlay overlay -o lowerdir=/usr/bin,upperdir=${dir}/upper,workdir=${dir}/work /usr/bin`,
    `exec systemd-analyze verify ${join(dir, units)}/sluice-register@web.service`,
  ].join(" && ");
  const result = Bun.spawnSync(["unshare", "--mount", "sh", "-c", script], { stderr: "pipe" });
  return {
    code: result.exitCode,
    output: `${result.stdout.toString()}${result.stderr.toString()}`,
  };
}

test("systemd-analyze verify has nothing to say about it", () => {
  expect(verify("units")).toEqual({ code: 0, output: "" });
});

test("the same check finds a misspelt key", () => {
  expect(verify("typo").output).toContain("Unknown key 'ProtectHomee'");
});

test("systemd-analyze security scores it 2.0 or better", () => {
  const result = Bun.spawnSync(
    [
      "systemd-analyze",
      "security",
      "--offline=true",
      join(dir, "units", "sluice-register@.service"),
    ],
    { stderr: "pipe" },
  );
  const score = /Overall exposure level for \S+: (\d+\.\d+)/.exec(result.stdout.toString())?.[1];
  console.log(`sluice-register@.service exposure: ${score}`);
  expect(Number(score)).toBeLessThanOrEqual(2);
});

test("it registers the instance's service at the address of its environment file", () => {
  const text = readFileSync(UNIT, "utf8");
  expect(text).toContain("EnvironmentFile=/etc/sluice/register/%i.env\n");
  expect(text).toContain("Environment=SERVICE=%i\n");
  // biome-ignore lint/suspicious/noTemplateCurlyInString: systemd's variables, not JavaScript's
  expect(text).toContain("ExecStart=/usr/bin/sluice register ${SERVICE} ${ADDR} $OPTIONS\n");
});
