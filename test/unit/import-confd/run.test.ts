// The whole import on disk (with a stand-in converter): the seed's confdir becomes a sluice.toml
// with [haproxy] and trusted_prefixes, other resources become [[template]] sections, the password
// goes to a 0600 file, the report is printed (or JSON), and the exit code follows the problems.

import { afterEach, describe, expect, test } from "bun:test";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "smol-toml";
import { type ImportOptions, runImport } from "../../../src/import-confd/run.ts";
import { runLbctl } from "../../helpers/cli.ts";
import { calls, stubConvert } from "./stub-convert.ts";

/** The parts of the written sluice.toml the tests read. */
type Imported = {
  etcd: { endpoints: string[]; username?: string; password_file?: string };
  haproxy: { template: string; trusted_prefixes: string[] };
  template: Record<string, unknown>[];
};

const FIXTURE = join(import.meta.dir, "..", "..", "fixtures", "seed-confd");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-import-test-"));
  dirs.push(dir);
  return dir;
}

/** A copy of the seed's confdir, with `extra` files (relative path → text) added. */
function confdir(extra: Record<string, string> = {}): string {
  const dir = tempDir();
  cpSync(FIXTURE, dir, { recursive: true });
  for (const [path, text] of Object.entries(extra)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function run(dir: string, options: Partial<ImportOptions> = {}) {
  const out = options.out ?? join(tempDir(), "out");
  const printed: string[] = [];
  const io = {
    out: (text: string) => printed.push(text),
    err: (text: string) => printed.push(text),
  };
  const base = {
    dir,
    out,
    units: [],
    json: false,
    force: false,
    copyV2Keys: false,
    overwrite: false,
  };
  const code = await runImport({ ...base, ...options }, io, stubConvert);
  const toml = existsSync(join(out, "sluice.toml"))
    ? readFileSync(join(out, "sluice.toml"), "utf8")
    : "";
  return { code, out, text: printed.join(""), toml, config: parse(toml) as Imported };
}

describe("lbctl import-confd", () => {
  test("the seed: [etcd] from nodes, [haproxy] with the template and trusted prefixes; exit 0", async () => {
    const dir = confdir();
    const { code, out, text, config } = await run(dir);
    expect(code).toBe(0);
    expect(config.etcd.endpoints).toEqual([
      "http://<address that points to one of your CoreOS nodes>:4001",
    ]);
    expect(config.haproxy).toEqual({
      template: "templates/haproxy.cfg.liquid",
      trusted_prefixes: ["/app/your_awesome_app"],
    });
    expect(config.template).toBeUndefined();
    const liquid = readFileSync(join(out, "templates", "haproxy.cfg.liquid"), "utf8");
    expect(liquid).toContain("stats socket {{ haproxy.stats_socket }}");
    expect(liquid).toContain('"/app/your_awesome_app*" | getvs');
    expect(text).toContain(
      `${join(dir, "conf.d", "haproxy.toml")}:7: note: reload_cmd "echo restarting && /usr/bin/systemctl reload haproxy": replaced by sluice's own HAProxy supervision`,
    );
    expect(text).toContain(
      `${join(dir, "templates", "haproxy.cfg.tmpl")}:17: note: rewritten for HAProxy 2.6: "contimeout 5000" → "timeout connect 5000"`,
    );
    expect(text).toContain("systemctl disable --now confd haproxy");
    expect(text).toMatch(/\n0 problem\(s\), \d+ action\(s\), \d+ note\(s\)\n$/);
  });

  test("another resource stays a [[template]] with its fields; one that reloads HAProxy gets lbctl reload", async () => {
    const dir = confdir({
      "conf.d/nginx.toml":
        '[template]\nprefix = "myapp"\nsrc = "nginx/site.tmpl"\ndest = "/etc/nginx/site.conf"\nmode = "0640"\nuid = 0\ngid = 0\nkeys = ["/upstream"]\ncheck_cmd = "nginx -t -c {{.src}}"\nreload_cmd = "systemctl reload nginx"\n',
      "conf.d/zmap.toml":
        '[template]\nsrc = "hosts.map.tmpl"\ndest = "/etc/haproxy/hosts.map"\nkeys = ["/hosts"]\nreload_cmd = "systemctl reload haproxy"\n',
      "templates/nginx/site.tmpl": 'upstream {{range getvs "/upstream/*"}}{{.}}{{end}}\n',
      "templates/hosts.map.tmpl": "x\n",
    });
    calls.length = 0;
    const { code, config, text } = await run(dir);
    expect(code).toBe(0);
    expect(config.template).toEqual([
      {
        src: "templates/nginx/site.liquid",
        dest: "/etc/nginx/site.conf",
        keys: ["/upstream"],
        prefix: "/myapp",
        mode: "0640",
        uid: 0,
        gid: 0,
        check_cmd: "nginx -t -c {{.src}}",
        reload_cmd: "systemctl reload nginx",
      },
      {
        src: "templates/hosts.map.liquid",
        dest: "/etc/haproxy/hosts.map",
        keys: ["/hosts"],
        reload_cmd: "lbctl reload",
      },
    ]);
    expect(text).toContain('reload_cmd "systemctl reload haproxy" → "lbctl reload"');
    // [[template]] sections take prefix as a field; only the main template gets it in its keys.
    expect(calls.every((call) => call.keyPrefix === undefined)).toBe(true);
  });

  test("confd's prefix goes into the main template's keys and its trusted prefixes", async () => {
    const dir = confdir({
      "confd.toml": 'backend = "etcdv3"\nnodes = ["127.0.0.1:2379"]\nprefix = "/production"\n',
    });
    calls.length = 0;
    const { config, out } = await run(dir);
    expect(config.etcd.endpoints).toEqual(["http://127.0.0.1:2379"]);
    expect(config.haproxy.trusted_prefixes).toEqual(["/production/app/your_awesome_app"]);
    expect(calls[0]?.keyPrefix).toBe("/production");
    expect(readFileSync(join(out, "templates", "haproxy.cfg.liquid"), "utf8")).toContain(
      '"/production/app/your_awesome_app*"',
    );
  });

  test("the password goes to a 0600 password_file, never into sluice.toml", async () => {
    const dir = confdir({
      "confd.toml": 'backend = "etcdv3"\nusername = "root"\npassword = "s3cret"\n',
    });
    const { config, toml, out } = await run(dir);
    expect(config.etcd).toMatchObject({ username: "root", password_file: "etcd.password" });
    expect(toml).not.toContain("s3cret");
    expect(readFileSync(join(out, "etcd.password"), "utf8")).toBe("s3cret\n");
    expect(statSync(join(out, "etcd.password")).mode & 0o777).toBe(0o600);
  });

  test("sync-only drops check_cmd and reload_cmd; a converter problem makes exit 1 with file:line", async () => {
    const dir = confdir({
      "confd.toml": "sync-only = true\n",
      "conf.d/app.toml":
        '[template]\nsrc = "app.tmpl"\ndest = "/etc/app.conf"\nkeys = ["/a"]\nreload_cmd = "systemctl reload app"\n',
      "templates/app.tmpl": 'a\n{{template "x"}}\n',
    });
    const { code, config, text } = await run(dir);
    expect(config.template[0]?.reload_cmd).toBeUndefined();
    expect(code).toBe(1);
    expect(text).toContain(
      `${join(dir, "templates", "app.tmpl")}:2: problem: template: not converted`,
    );
  });

  test("--json gives the items and the files written", async () => {
    const dir = confdir();
    const { text, out, code } = await run(dir, { json: true });
    const report = JSON.parse(text);
    expect(report.ok).toBe(code === 0);
    expect(report.files).toEqual([
      join(out, "sluice.toml"),
      join(out, "templates", "haproxy.cfg.liquid"),
    ]);
    expect(report.items.find((item: { line?: number }) => item.line === 17)).toMatchObject({
      file: join(dir, "templates", "haproxy.cfg.tmpl"),
      level: "note",
    });
  });

  test("--units rewrites the seed's unit lines with file:line", async () => {
    const unit = join(
      import.meta.dir,
      "..",
      "..",
      "fixtures",
      "seed-units",
      "stupid-server@.service",
    );
    const { text } = await run(confdir(), { units: [unit] });
    expect(text).toContain(
      `${unit}:11: action: etcd v2 call; for v3: ExecStopPost=/bin/bash -c 'ETCDCTL_API=3 etcdctl del /apps/stupid_server/%n'`,
    );
    expect(text).not.toContain("give the unit files with --units");
  });

  test("no confd.toml is confd's defaults; no conf.d is an error naming it; sluice.toml is kept without --force", async () => {
    const dir = confdir();
    rmSync(join(dir, "confd.toml"));
    const { config, out } = await run(dir);
    expect(config.etcd.endpoints).toEqual(["http://127.0.0.1:4001"]);
    await expect(run(dir, { out })).rejects.toThrow(`${join(out, "sluice.toml")} exists`);
    expect((await run(dir, { out, force: true })).code).toBe(0);
    rmSync(join(dir, "conf.d"), { recursive: true });
    await expect(run(dir)).rejects.toThrow(`${join(dir, "conf.d")}: no such directory`);
  });

  test("usage: --out is required, one DIR, --overwrite only with --copy-v2-keys (exit 2)", async () => {
    expect((await runLbctl(["import-confd", FIXTURE])).code).toBe(2);
    expect((await runLbctl(["import-confd", "a", "b", "--out", "x"])).code).toBe(2);
    const overwrite = await runLbctl(["import-confd", FIXTURE, "--out", "x", "--overwrite"]);
    expect(overwrite.code).toBe(2);
    expect(overwrite.err).toContain("--overwrite goes with --copy-v2-keys");
    expect(
      (await runLbctl(["import-confd", "--out", "x", "--copy-v2-keys", "--etcd", "nope"])).code,
    ).toBe(2);
  });
});
