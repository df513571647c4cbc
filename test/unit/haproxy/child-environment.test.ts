// Every HAProxy sluice starts, the supervised one and `haproxy -c`, runs without NOTIFY_SOCKET and
// WATCHDOG_*: otherwise HAProxy could tell systemd it is ready or alive on sluice's behalf.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SYSTEMD_VARIABLES = ["NOTIFY_SOCKET", "WATCHDOG_PID", "WATCHDOG_USEC"];
const SOURCE = join(import.meta.dir, "..", "..", "..", "src", "haproxy");
let dir: string;
let fakeHaproxy: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sluice-child-env-"));
  // A stand-in for haproxy that writes the environment it was given.
  fakeHaproxy = join(dir, "haproxy");
  writeFileSync(fakeHaproxy, `#!/bin/sh\nenv > "${dir}/env"\n`);
  chmodSync(fakeHaproxy, 0o755);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs `code` in a Bun started the way systemd starts sluice, with NOTIFY_SOCKET and WATCHDOG_*
 * set (Bun.spawn passes on the environment the process started with, not later changes to
 * process.env), and returns the environment the fake haproxy saw.
 */
function environmentSeenBy(code: string): string {
  rmSync(join(dir, "env"), { force: true });
  const result = Bun.spawnSync([process.execPath, "--eval", code], {
    env: {
      ...process.env,
      NOTIFY_SOCKET: "/run/systemd/notify",
      WATCHDOG_PID: "1234",
      WATCHDOG_USEC: "2000000",
    },
    stderr: "pipe",
  });
  if (result.exitCode !== 0) throw new Error(result.stderr.toString());
  return readFileSync(join(dir, "env"), "utf8");
}

describe("HAProxy's environment", () => {
  test("haproxy -c runs without systemd's variables, with the rest", () => {
    const environment = environmentSeenBy(
      `const { checkConfig } = await import(${JSON.stringify(join(SOURCE, "check.ts"))});
       await checkConfig(${JSON.stringify(fakeHaproxy)}, "haproxy.cfg", 5000);`,
    );
    for (const name of SYSTEMD_VARIABLES) expect(environment).not.toContain(`${name}=`);
    expect(environment).toContain("PATH=");
  });

  test.each([
    ["through setpriv", "/usr/bin/setpriv"],
    ["without setpriv", undefined],
  ])("the supervised HAProxy runs without them (%s)", (_label, setpriv) => {
    const environment = environmentSeenBy(
      `const { createBunProcessRunner } = await import(${JSON.stringify(join(SOURCE, "process-runner.ts"))});
       const child = createBunProcessRunner(${JSON.stringify(setpriv ?? null)} ?? undefined)
         .spawn([${JSON.stringify(fakeHaproxy)}, "-W"]);
       await child.exited;`,
    );
    for (const name of SYSTEMD_VARIABLES) expect(environment).not.toContain(`${name}=`);
    expect(environment).toContain("PATH=");
  });

  test("a spawn that does not clean the environment passes them on (so these tests can fail)", () => {
    const environment = environmentSeenBy(`Bun.spawnSync([${JSON.stringify(fakeHaproxy)}]);`);
    expect(environment).toContain("NOTIFY_SOCKET=/run/systemd/notify");
  });
});
