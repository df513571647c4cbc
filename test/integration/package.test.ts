// The RPM that `make rpm` builds: rpmlint as Fedora runs it, exactly the files it should hold, the
// config files kept on upgrade, the scriptlets, an executable that runs from the extracted tree,
// and the aarch64 cross-build.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { buildRpm, extractRpm, REPO, run } from "../helpers/rpm.ts";

const VERSION: string = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).version;
const ARCH = run(["uname", "-m"]).trim();

/** What `rpm -qlvp` lists, as "mode owner group path[ -> target]", in its (sorted) order. */
const EXPECTED_FILES = [
  "drwxr-xr-x root root /etc/sluice",
  "-rw-r--r-- root root /etc/sluice/sluice.toml",
  "drwxr-xr-x root root /etc/sluice/templates",
  "-rw-r--r-- root root /etc/sluice/templates/haproxy.cfg.liquid",
  "lrwxrwxrwx root root /usr/bin/lbctl -> sluice",
  "-rwxr-xr-x root root /usr/bin/sluice",
  "-rw-r--r-- root root /usr/lib/systemd/system/sluice-register@.service",
  "-rw-r--r-- root root /usr/lib/systemd/system/sluice.service",
  "-rw-r--r-- root root /usr/lib/sysusers.d/sluice.conf",
  "-rw-r--r-- root root /usr/share/bash-completion/completions/lbctl",
  "-rw-r--r-- root root /usr/share/doc/sluice/CHANGELOG.md",
  "-rw-r--r-- root root /usr/share/doc/sluice/README.md",
  "-rw-r--r-- root root /usr/share/licenses/sluice/LICENSE",
  "drwx------ sluice sluice /var/lib/sluice",
];

const CONFIG_FILES = ["/etc/sluice/sluice.toml", "/etc/sluice/templates/haproxy.cfg.liquid"];

/** Each packaged file that is a repository file as it is, by its path in the package. */
const COPIED_FILES: Record<string, string> = {
  "usr/bin/sluice": "dist/sluice",
  "etc/sluice/sluice.toml": "packaging/sluice.toml",
  "etc/sluice/templates/haproxy.cfg.liquid": "templates/haproxy.cfg.liquid",
  "usr/lib/systemd/system/sluice.service": "systemd/sluice.service",
  "usr/lib/systemd/system/sluice-register@.service": "systemd/sluice-register@.service",
  "usr/lib/sysusers.d/sluice.conf": "packaging/sluice.sysusers",
  "usr/share/licenses/sluice/LICENSE": "LICENSE",
  "usr/share/doc/sluice/README.md": "README.md",
  "usr/share/doc/sluice/CHANGELOG.md": "CHANGELOG.md",
};

const EM_X86_64 = 62;
const EM_AARCH64 = 183;

let rpmFile: string;
let root: string;
const temporary: string[] = [];

beforeAll(() => {
  rpmFile = buildRpm();
  root = extractRpm(rpmFile);
  temporary.push(root);
});

afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

/** Runs `command` in `cwd` and returns its exit code and both outputs. */
function spawn(command: string[], cwd = REPO, env?: Record<string, string>) {
  const result = Bun.spawnSync(command, { cwd, env, stdout: "pipe", stderr: "pipe" });
  return {
    exitCode: result.exitCode,
    stdout: result.stdout.toString(),
    stderr: result.stderr.toString(),
  };
}

/** Runs the extracted `usr/bin/<name>` from the extracted tree, with nothing but a PATH. */
function runExtracted(name: string, ...args: string[]) {
  return spawn(["env", "-i", "PATH=/usr/bin:/bin", join(root, "usr/bin", name), ...args], root);
}

/** The section of README.md that starts with `heading`, up to the next `## ` heading. */
function readmeSection(heading: string): string {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const start = readme.indexOf(`\n${heading}\n`);
  expect(start, `README has no "${heading}"`).toBeGreaterThan(-1);
  const end = readme.indexOf("\n## ", start + heading.length + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

/** The warnings README accepts: the code spans in the first column of its rpmlint table. */
function acceptedWarnings(): string[] {
  const install = readmeSection("## Install");
  const table = /\n\| rpmlint warning \| why it is accepted \|\n\|[- |]+\|\n((?:\|.*\|\n)+)/.exec(
    install,
  );
  expect(
    table,
    "README's Install section has no table of accepted rpmlint warnings",
  ).not.toBeNull();
  return table![1]!
    .trim()
    .split("\n")
    .flatMap((row) => [...(row.split("|")[1] ?? "").matchAll(/`([^`]+)`/g)].map((m) => m[1]!));
}

type LintResult = { exitCode: number; errors: string[]; warnings: string[]; output: string };

/** rpmlint with the repository's Fedora filters, its messages parsed and checked against its summary. */
function rpmlint(...files: string[]): LintResult {
  const result = spawn(["rpmlint", "-c", "packaging/rpmlint.toml", ...files]);
  const output = result.stdout + result.stderr;
  const errors: string[] = [];
  const warnings: string[] = [];
  for (const line of output.split("\n")) {
    const message = /^\S+: ([WE]): (.+?)\s*$/.exec(line);
    if (message) (message[1] === "E" ? errors : warnings).push(message[2]!);
  }
  const summary = /(\d+) errors?, (\d+) warnings?/.exec(output);
  expect(summary, `rpmlint printed no summary:\n${output}`).not.toBeNull();
  // A message this parser missed would otherwise pass unseen.
  expect(errors.length, output).toBe(Number(summary![1]));
  expect(warnings.length, output).toBe(Number(summary![2]));
  return { exitCode: result.exitCode, errors, warnings, output };
}

/** Checks an rpmlint run: no errors, and exactly README's accepted warnings. */
function expectAcceptedLint(lint: LintResult) {
  expect(lint.errors, lint.output).toEqual([]);
  expect(lint.exitCode, lint.output).toBe(0);
  const accepted = acceptedWarnings();
  expect(new Set(accepted).size, "README lists a warning twice").toBe(accepted.length);
  expect(
    [...new Set(lint.warnings)].sort(),
    "warnings not listed in README, or listed but gone",
  ).toEqual([...accepted].sort());
}

/** e_machine of an ELF file (62 x86-64, 183 AArch64), read from its header. */
function elfMachine(file: string): number {
  const header = Buffer.alloc(20);
  const fd = openSync(file, "r");
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  expect([...header.subarray(0, 4)], `${file} is not ELF`).toEqual([0x7f, 0x45, 0x4c, 0x46]);
  expect(header[4], "ELFCLASS64").toBe(2);
  expect(header[5], "little-endian").toBe(1);
  return header.readUInt16LE(18);
}

/** The scriptlets of `rpm -qp --scripts`, by name ("preinstall", "postuninstall"...). */
function scriptlets(file: string): Record<string, string> {
  const parts = run(["rpm", "-qp", "--scripts", file]).split(/^(\w+) scriptlet \(using [^)]*\):$/m);
  const scripts: Record<string, string> = {};
  for (let i = 1; i < parts.length; i += 2) scripts[parts[i]!] = parts[i + 1]!.trim();
  return scripts;
}

describe("rpmlint", () => {
  test("finds no error and only the warnings README accepts, for the package and its spec", () => {
    const spec = join(dirname(rpmFile), "rpm", "SPECS", "sluice.spec");
    expect(existsSync(spec), `rpm.sh left no generated spec at ${spec}`).toBe(true);
    expectAcceptedLint(rpmlint(rpmFile, spec));
  });
});

describe("the package's contents", () => {
  test("is named for package.json's version, and its Version tag is that version", () => {
    expect(basename(rpmFile)).toBe(`sluice-${VERSION}-1.${ARCH}.rpm`);
    const tags = run(["rpm", "-qp", "--qf", "%{NAME} %{VERSION} %{RELEASE} %{ARCH}", rpmFile]);
    expect(tags).toBe(`sluice ${VERSION} 1 ${ARCH}`);
  });

  test("holds exactly the expected files, modes, owners and the lbctl symlink", () => {
    const listed = run(["rpm", "-qlvp", rpmFile])
      .trim()
      .split("\n")
      .map((line) => {
        // mode, links, owner, group, size, three date fields, then the path (and "-> target").
        const fields = line.trim().split(/\s+/);
        return [fields[0], fields[2], fields[3], ...fields.slice(8)].join(" ");
      });
    expect(listed).toEqual(EXPECTED_FILES);
    expect(listed.filter((line) => line.includes("/.build-id"))).toEqual([]);
  });

  test("marks exactly the config and the template as %config(noreplace)", () => {
    const configFiles = run(["rpm", "-qp", "--configfiles", rpmFile]).trim().split("\n");
    expect(configFiles).toEqual(CONFIG_FILES);
    const flags = run(["rpm", "-qp", "--qf", "[%{FILENAMES} %{FILEFLAGS:fflags}\n]", rpmFile])
      .trim()
      .split("\n")
      .map((line) => line.trim().split(" "));
    for (const [path, fileFlags = ""] of flags) {
      if (CONFIG_FILES.includes(path!)) {
        expect(fileFlags, `${path} is %config`).toContain("c");
        expect(fileFlags, `${path} is noreplace`).toContain("n");
      } else {
        expect(fileFlags, `${path} is not %config`).not.toContain("c");
      }
    }
  });

  test("requires haproxy", () => {
    const requires = run(["rpm", "-qpR", rpmFile])
      .split("\n")
      .map((line) => line.trim());
    expect(requires).toContain("haproxy");
  });

  test("creates the sluice user before install, and presets, disables and restarts the unit", () => {
    const scripts = scriptlets(rpmFile);
    expect(scripts.preinstall).toMatch(/groupadd -r '?sluice/);
    expect(scripts.preinstall).toMatch(/useradd -r .*sluice/);
    expect(scripts.preinstall).toContain("/var/lib/sluice");
    expect(scripts.preinstall).toContain("/usr/sbin/nologin");
    expect(scripts.postinstall).toContain("systemctl --no-reload preset sluice.service");
    expect(scripts.preuninstall).toContain("systemctl --no-reload disable --now sluice.service");
    expect(scripts.postuninstall).toContain("systemctl try-restart sluice.service");
  });

  test("its sysusers.d file makes the same user the preinstall script does", () => {
    const sysroot = mkdtempSync(join(tmpdir(), "sluice-sysusers-"));
    temporary.push(sysroot);
    mkdirSync(join(sysroot, "etc"));
    mkdirSync(join(sysroot, "usr/lib/sysusers.d"), { recursive: true });
    copyFileSync(
      join(root, "usr/lib/sysusers.d/sluice.conf"),
      join(sysroot, "usr/lib/sysusers.d/sluice.conf"),
    );
    run(["systemd-sysusers", `--root=${sysroot}`]);
    const passwd = readFileSync(join(sysroot, "etc/passwd"), "utf8");
    const user =
      /^sluice:x:(\d+):(\d+):sluice load balancer:\/var\/lib\/sluice:\/usr\/sbin\/nologin$/m;
    expect(passwd).toMatch(user);
    const gid = user.exec(passwd)![2];
    expect(readFileSync(join(sysroot, "etc/group"), "utf8")).toContain(`sluice:x:${gid}:`);
    expect(scriptlets(rpmFile).preinstall).toContain('-c "sluice load balancer"');
  });
});

describe("the extracted package", () => {
  test("runs sluice and lbctl with no node_modules in reach and prints package.json's version", () => {
    for (let dir = root; dir !== "/"; dir = dirname(dir)) {
      expect(existsSync(join(dir, "node_modules")), `${dir}/node_modules`).toBe(false);
    }
    const sluice = runExtracted("sluice", "--version");
    expect(sluice.stderr).toBe("");
    expect(sluice.stdout).toBe(`sluice ${VERSION}\n`);
    const lbctl = runExtracted("lbctl", "version");
    expect(lbctl.stderr).toBe("");
    expect(lbctl.stdout).toBe(`sluice ${VERSION}\n`);
  });

  test("holds dist/sluice and the repository's files byte for byte", () => {
    for (const [packaged, source] of Object.entries(COPIED_FILES)) {
      const same = readFileSync(join(root, packaged)).equals(readFileSync(join(REPO, source)));
      expect(same, `${packaged} differs from ${source}`).toBe(true);
    }
    const machine = { x86_64: EM_X86_64, aarch64: EM_AARCH64 }[ARCH];
    expect(elfMachine(join(root, "usr/bin/sluice"))).toBe(machine!);
  });

  test("its default sluice.toml passes sluice check, for etcd on 127.0.0.1:2379 under /apps/", () => {
    const result = runExtracted("sluice", "check", "--json", "--config", "etc/sluice/sluice.toml");
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout) as {
      ok: boolean;
      checked: string[];
      settings: { field: string; value: unknown }[];
    };
    expect(report.ok).toBe(true);
    expect(report.checked).toContain("haproxy -c");
    const value = (field: string) => report.settings.find((s) => s.field === field)?.value;
    expect(value("etcd.endpoints")).toEqual(["http://127.0.0.1:2379"]);
    expect(value("etcd.prefix")).toBe("/apps/");
    expect(value("haproxy.binary")).toBe("/usr/sbin/haproxy");
    expect(value("haproxy.template")).toBe("/etc/sluice/templates/haproxy.cfg.liquid");
    expect(value("state_dir")).toBe("/var/lib/sluice");
    expect(value("haproxy.runtime_dir")).toBe("/run/sluice");
  });

  test("its template renders into a config that haproxy -c accepts", () => {
    const template = join(root, "etc/sluice/templates/haproxy.cfg.liquid");
    const config = readFileSync(join(root, "etc/sluice/sluice.toml"), "utf8").replace(
      /^template = "[^"]*"/m,
      `template = "${template}"`,
    );
    writeFileSync(join(root, "packaged-template.toml"), config);
    const result = runExtracted("sluice", "check", "--config", "packaged-template.toml");
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`${template}, haproxy -c`);
  });
});

describe("make rpm ARCH=aarch64", () => {
  test("cross-builds an aarch64 package holding an AArch64 executable, named without %dist", () => {
    const out = mkdtempSync(join(tmpdir(), "sluice-rpm-aarch64-"));
    // A Fedora build machine defines %dist (.fc41); the package is still sluice-<v>-1.<arch>.rpm.
    const home = mkdtempSync(join(tmpdir(), "sluice-rpm-home-"));
    temporary.push(out, home);
    writeFileSync(join(home, ".rpmmacros"), "%dist .fc41\n");
    const env = {
      ...(process.env as Record<string, string>),
      RPM_OUT: out,
      HOME: home,
      // Bun's download of the aarch64 runtime stays where it is cached without the new HOME.
      BUN_INSTALL_CACHE_DIR:
        process.env.BUN_INSTALL_CACHE_DIR ?? join(homedir(), ".bun", "install", "cache"),
    };
    const started = performance.now();
    const built = spawn(["bash", "packaging/rpm.sh", "aarch64"], REPO, env);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`make rpm ARCH=aarch64 (Bun cross-compile and rpmbuild) took ${seconds} s`);
    expect(built.exitCode, built.stderr).toBe(0);
    const aarch64Rpm = built.stdout.trim().split("\n").at(-1)!;
    expect(aarch64Rpm).toBe(join(out, `sluice-${VERSION}-1.aarch64.rpm`));
    expect(run(["rpm", "-qp", "--qf", "%{ARCH} %{RELEASE}", aarch64Rpm])).toBe("aarch64 1");

    const tree = extractRpm(aarch64Rpm);
    temporary.push(tree);
    expect(elfMachine(join(tree, "usr/bin/sluice"))).toBe(EM_AARCH64);
    // On an aarch64 machine rpm.sh packages dist/sluice itself.
    const binary = ARCH === "aarch64" ? "dist/sluice" : "dist/aarch64/sluice";
    const same = readFileSync(join(tree, "usr/bin/sluice")).equals(
      readFileSync(join(REPO, binary)),
    );
    expect(same, `the packaged aarch64 executable is ${binary}`).toBe(true);
    expectAcceptedLint(rpmlint(aarch64Rpm, join(out, "rpm", "SPECS", "sluice.spec")));
  });
});
