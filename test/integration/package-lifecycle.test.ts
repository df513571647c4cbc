// The RPM's own scriptlets, run for real through install, upgrade, erase, reinstall and an
// upgrade that changes the default config, in a Fedora-like throwaway copy of this machine's
// root (package-lifecycle.sh): the sluice user, the state directory, the config the operator
// edited, and which systemctl commands ran. Needs root and unshare.
//
// Debian's rpm has no systemd-rpm-macros, so what runs here are the spec's own fallbacks for
// %systemd_post, %systemd_preun and %systemd_postun_with_restart, and its groupadd/useradd for
// %sysusers_create_compat (Fedora's macros call systemd-update-helper instead, to the same
// effect); rpm's handling of %config(noreplace) and %dir is the same everywhere.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { buildRpm, REPO, run } from "../helpers/rpm.ts";

const SCRIPT = join(import.meta.dir, "package-lifecycle.sh");
const PACKAGED_CONFIG = readFileSync(join(REPO, "packaging/sluice.toml"), "utf8");
const NEW_DEFAULT_LINE = "# a default that changed in a later release\n";
/** A private mount namespace: every mount in it vanishes when its last process exits. */
const PRIVATE_NAMESPACE = ["unshare", "--mount", "--propagation", "private"];

type Step = "install" | "upgrade" | "erase" | "reinstall" | "new-default";

let out: string;
let tree: string;
let release1: string;
let release2: string;

beforeAll(() => {
  release1 = buildRpm(1);
  release2 = buildRpm(2);
  tree = mkdtempSync(join(tmpdir(), "sluice-new-default-"));
  const newDefault = buildNewDefaultRpm(tree, 3);
  out = mkdtempSync(join(tmpdir(), "sluice-lifecycle-"));
  run([...PRIVATE_NAMESPACE, "bash", SCRIPT, out, release1, release2, newDefault]);
});

afterAll(() => {
  // The namespace's mounts went with it: OUT/mnt is an empty directory by now.
  if (out) rmSync(out, { recursive: true, force: true });
  if (tree) rmSync(tree, { recursive: true, force: true });
});

/**
 * Builds release `release` with `make rpm`'s script from a copy of the source tree whose
 * default sluice.toml has one more line. A shell script that prints the version stands in for
 * the 110 MB executable (the spec's %check runs it), so this takes a second instead of twelve.
 */
function buildNewDefaultRpm(dir: string, release: number): string {
  const skipped = new Set(["node_modules", "dist", ".git", ".tmp"]);
  cpSync(REPO, dir, {
    recursive: true,
    filter: (source) => !skipped.has(relative(REPO, source).split("/")[0] ?? ""),
  });
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
  const { version } = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8"));
  mkdirSync(join(dir, "dist"));
  writeFileSync(join(dir, "dist/sluice"), `#!/bin/sh\necho "sluice ${version}"\n`, {
    mode: 0o755,
  });
  writeFileSync(join(dir, "packaging/sluice.toml"), PACKAGED_CONFIG + NEW_DEFAULT_LINE);
  const result = Bun.spawnSync(["bash", "packaging/rpm.sh"], {
    cwd: dir,
    env: { ...process.env, RPM_RELEASE: String(release), RPM_OUT: join(dir, "out") },
    stderr: "pipe",
  });
  if (result.exitCode !== 0) {
    throw new Error(`packaging/rpm.sh (new default) failed: ${result.stderr.toString()}`);
  }
  return result.stdout.toString().trim().split("\n").at(-1)!;
}

/** A file package-lifecycle.sh wrote after `step`. */
function recorded(step: Step, name: string): string {
  return readFileSync(join(out, step, name), "utf8");
}

function recordedLines(step: Step, name: string): string[] {
  return recorded(step, name).split("\n").filter(Boolean);
}

/** rpm's warnings, without the one Debian's rpm prints on every install. */
function rpmWarnings(step: Step): string[] {
  return recordedLines(step, "rpm.stderr").filter(
    (line) => !/use Alien instead|assuming you know what you are doing/.test(line),
  );
}

/** The files in the root's /etc/sluice after `step`, relative to it. */
function configFiles(step: Step): string[] {
  const dir = join(out, step, "etc-sluice");
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

function config(step: Step, name = "sluice.toml"): string {
  return recorded(step, `etc-sluice/${name}`);
}

type Account = { uid: number; gid: number; home: string; shell: string };

function account(step: Step): Account {
  const lines = recordedLines(step, "passwd");
  expect(lines).toHaveLength(1);
  const [, , uid, gid, , home, shell] = lines[0]!.split(":");
  return { uid: Number(uid), gid: Number(gid), home: home!, shell: shell! };
}

function nevra(rpmFile: string): string {
  return basename(rpmFile, ".rpm");
}

describe("installing the RPM", () => {
  test("creates the sluice system user and group", () => {
    const user = account("install");
    expect(user.uid).toBeGreaterThan(0);
    expect(user.uid).toBeLessThan(1000);
    expect(user.home).toBe("/var/lib/sluice");
    expect(user.shell).toBe("/usr/sbin/nologin");
    expect(recordedLines("install", "group")).toEqual([`sluice:x:${user.gid}:`]);
  });

  test("gives the state directory to the sluice user, mode 0700", () => {
    const user = account("install");
    expect(recorded("install", "state-dir").trim()).toBe(`700 ${user.uid} ${user.gid}`);
    // rpm would say "user sluice does not exist - using root" had %pre not made it first.
    expect(rpmWarnings("install")).toEqual([]);
  });

  test("installs every packaged file, with the default config as shipped", () => {
    expect(recorded("install", "query").trim()).toBe(nevra(release1));
    const packaged = readFileSync(join(out, "packaged"), "utf8").split("\n").filter(Boolean);
    expect(packaged).toEqual(
      expect.arrayContaining([
        "/usr/bin/sluice",
        "/usr/bin/lbctl",
        "/usr/lib/systemd/system/sluice.service",
        "/usr/lib/sysusers.d/sluice.conf",
        "/etc/sluice/sluice.toml",
        "/etc/sluice/templates/haproxy.cfg.liquid",
        "/usr/share/licenses/sluice/LICENSE",
        "/usr/share/doc/sluice/README.md",
        "/var/lib/sluice",
      ]),
    );
    expect(recordedLines("install", "present")).toEqual(packaged);
    expect(config("install")).toBe(PACKAGED_CONFIG);
  });

  test("neither enables nor starts the unit: it only applies the preset, which says disable", () => {
    expect(recordedLines("install", "systemctl.log")).toEqual([
      "--no-reload preset sluice.service",
    ]);
    expect(recordedLines("install", "wants")).toEqual([]);
    expect(recorded("install", "is-enabled").trim()).toBe("disabled");
    expect(recordedLines("install", "processes")).toEqual([]);
  });
});

describe("upgrading to a higher release", () => {
  test("keeps the edited config byte for byte, with no .rpmnew since the default is the same", () => {
    expect(recorded("upgrade", "query").trim()).toBe(nevra(release2));
    const edited = readFileSync(join(out, "upgrade.toml"), "utf8");
    expect(edited).not.toBe(PACKAGED_CONFIG);
    expect(config("upgrade")).toBe(edited);
    expect(configFiles("upgrade")).toEqual([
      "sluice.toml",
      "templates",
      "templates/haproxy.cfg.liquid",
    ]);
    expect(rpmWarnings("upgrade")).toEqual([]);
  });

  test("only reloads systemd and restarts the unit if it runs; it stays disabled and stopped", () => {
    // The whole list: no start, restart or enable besides. try-restart leaves a stopped unit be.
    expect(recordedLines("upgrade", "systemctl.log")).toEqual([
      "daemon-reload",
      "try-restart sluice.service",
    ]);
    expect(recordedLines("upgrade", "wants")).toEqual([]);
    expect(recorded("upgrade", "is-enabled").trim()).toBe("disabled");
    expect(recordedLines("upgrade", "processes")).toEqual([]);
  });

  test("keeps the user and what the daemon wrote to its state directory", () => {
    expect(recorded("upgrade", "passwd")).toBe(recorded("install", "passwd"));
    expect(recorded("upgrade", "group")).toBe(recorded("install", "group"));
    expect(recorded("upgrade", "state-dir")).toBe(recorded("install", "state-dir"));
    expect(recordedLines("upgrade", "state-dir-files")).toEqual(["haproxy.cfg"]);
  });
});

describe("erasing the package", () => {
  test("disables and stops the unit, which the operator had enabled", () => {
    expect(readFileSync(join(out, "enabled-wants"), "utf8")).toBe(
      "system/multi-user.target.wants/sluice.service\n",
    );
    expect(recordedLines("erase", "systemctl.log")).toEqual([
      "--no-reload disable --now sluice.service",
    ]);
    expect(recordedLines("erase", "wants")).toEqual([]);
    expect(recordedLines("erase", "processes")).toEqual([]);
  });

  test("saves the edited config as sluice.toml.rpmsave and removes everything else it installed", () => {
    expect(recorded("erase", "query").trim()).toBe("package sluice is not installed");
    expect(rpmWarnings("erase")).toEqual([
      "warning: /etc/sluice/sluice.toml saved as /etc/sluice/sluice.toml.rpmsave",
    ]);
    expect(configFiles("erase")).toEqual(["sluice.toml.rpmsave"]);
    expect(config("erase", "sluice.toml.rpmsave")).toBe(
      readFileSync(join(out, "upgrade.toml"), "utf8"),
    );
    // /etc/sluice stays for the .rpmsave, /var/lib/sluice for the daemon's files.
    expect(recordedLines("erase", "present")).toEqual(["/etc/sluice", "/var/lib/sluice"]);
  });

  test("keeps the user and the daemon's state, as Fedora's packages do", () => {
    expect(recorded("erase", "passwd")).toBe(recorded("install", "passwd"));
    expect(recorded("erase", "group")).toBe(recorded("install", "group"));
    expect(recordedLines("erase", "state-dir-files")).toEqual(["haproxy.cfg"]);
  });
});

describe("installing again after an erase", () => {
  test("reuses the kept user and installs a fresh default config beside the .rpmsave", () => {
    expect(recorded("reinstall", "query").trim()).toBe(nevra(release2));
    expect(recorded("reinstall", "passwd")).toBe(recorded("install", "passwd"));
    expect(config("reinstall")).toBe(PACKAGED_CONFIG);
    expect(configFiles("reinstall")).toContain("sluice.toml.rpmsave");
    expect(recordedLines("reinstall", "systemctl.log")).toEqual([
      "--no-reload preset sluice.service",
    ]);
    expect(recorded("reinstall", "is-enabled").trim()).toBe("disabled");
  });
});

describe("upgrading to a release whose default config changed", () => {
  test("keeps the edited config and puts the new default beside it as sluice.toml.rpmnew", () => {
    const edited = readFileSync(join(out, "new-default.toml"), "utf8");
    expect(config("new-default")).toBe(edited);
    expect(config("new-default", "sluice.toml.rpmnew")).toBe(PACKAGED_CONFIG + NEW_DEFAULT_LINE);
    expect(rpmWarnings("new-default")).toEqual([
      "warning: /etc/sluice/sluice.toml created as /etc/sluice/sluice.toml.rpmnew",
    ]);
    expect(recordedLines("new-default", "systemctl.log")).toEqual([
      "daemon-reload",
      "try-restart sluice.service",
    ]);
  });
});
