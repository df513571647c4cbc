import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../../package.json" with { type: "json" };
import { runLbctl } from "../../helpers/cli.ts";

/** Runs `body` with `text` written to a sluice.toml in a fresh directory, then removes it. */
async function withConfigFile(
  text: string | ((dir: string) => string),
  body: (file: string, dir: string) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "sluice-check-unit-"));
  try {
    const file = join(dir, "sluice.toml");
    writeFileSync(file, typeof text === "string" ? text : text(dir));
    await body(file, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const run = runLbctl;

describe("runCommand", () => {
  test("version prints the package version and exits 0", async () => {
    const result = await run(["version"]);
    expect(result).toEqual({ code: 0, out: `sluice ${pkg.version}\n`, err: "" });
  });

  test("version --json prints the version as JSON", async () => {
    const result = await run(["version", "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual({ version: pkg.version });
  });

  test("--version works like version", async () => {
    expect((await run(["--version"])).out).toBe(`sluice ${pkg.version}\n`);
  });

  test("an unknown command exits 2 naming it, with the usage", async () => {
    const result = await run(["frobnicate"]);
    expect(result.code).toBe(2);
    expect(result.out).toBe("");
    expect(result.err).toContain('lbctl: unknown command "frobnicate"');
    expect(result.err).toContain("usage: lbctl <command> [options]");
  });

  test("an unknown option exits 2 naming it, with the command's usage", async () => {
    const result = await run(["version", "--frob"]);
    expect(result.code).toBe(2);
    expect(result.err).toContain("unknown option --frob");
    expect(result.err).toContain("usage: lbctl version [--json]");
  });

  test("a valued option without its value exits 2", async () => {
    const result = await run(["check", "--config"]);
    expect(result.code).toBe(2);
    expect(result.err).toContain("--config needs a value");
  });

  test("no command prints the usage and exits 2; help exits 0", async () => {
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.out).toContain("usage: lbctl <command> [options]");
    const help = await run(["help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("check [--config FILE] [--json]");
  });

  test("check with a config file that does not exist exits 1 naming the file", async () => {
    const file = "/nonexistent/sluice-unit/sluice.toml";
    const result = await run(["check", "--config", file]);
    expect(result.code).toBe(1);
    expect(result.err).toContain(file);
    expect(result.err).toContain("no such file");
  });

  test("check names a credential file that cannot be read", async () => {
    const text = '[etcd]\nendpoints = ["https://127.0.0.1:2379"]\nca_file = "missing-ca.pem"\n';
    await withConfigFile(text, async (file, dir) => {
      const result = await run(["check", "--config", file]);
      expect(result.code).toBe(1);
      expect(result.err).toContain(
        `etcd.ca_file: cannot read ${join(dir, "missing-ca.pem")}: ENOENT`,
      );
    });
  });

  test("check --json reports the failure as JSON and exits 1", async () => {
    const file = "/nonexistent/sluice-unit/sluice.toml";
    const result = await run(["check", `--config=${file}`, "--json"]);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.out) as { ok: boolean; error: string };
    expect(report.ok).toBe(false);
    expect(report.error).toContain(file);
  });

  test("check validates config, the embedded default template and haproxy -c, and exits 0", async () => {
    const text = (dir: string) =>
      [
        "[haproxy]",
        'template = "no-such-template.liquid"',
        `runtime_dir = "${join(dir, "run")}"`,
        'bind = "127.0.0.1:18080"',
        'stats_bind = "127.0.0.1:18888"',
        "",
      ].join("\n");
    await withConfigFile(text, async (file) => {
      const result = await run(["check", "--config", file]);
      expect(result.err).toBe("");
      expect(result.out).toBe(
        [
          `ok: ${file}, the default template, haproxy -c, the open-file limit`,
          "defaults: 53 of 57 fields at their default; set: haproxy.template, haproxy.runtime_dir, haproxy.bind, haproxy.stats_bind",
          "",
        ].join("\n"),
      );
      expect(result.code).toBe(0);
    });
  });

  test("check --json lists every field's effective value and whether it is the default", async () => {
    const text = '[etcd]\ndial_timeout = "2s"\n\n[apply]\nmax_drop_percent = 100\n';
    await withConfigFile(text, async (file) => {
      const result = await run(["check", "--config", file, "--json"]);
      expect(result.code).toBe(0);
      const report = JSON.parse(result.out) as {
        ok: boolean;
        defaults: number;
        settings: { field: string; value: unknown; default: boolean }[];
      };
      expect(report.ok).toBe(true);
      // Without [haproxy] its fields do not apply: 4 top-level, 12 etcd, 7 apply, 3 admin, 14 health.
      expect(report.settings).toHaveLength(40);
      expect(report.defaults).toBe(38);
      const byField = Object.fromEntries(
        report.settings.map(({ field, ...setting }) => [field, setting]),
      );
      expect(byField["etcd.dial_timeout"]).toEqual({ value: "2s", default: false });
      expect(byField["apply.max_drop_percent"]).toEqual({ value: 100, default: false });
      expect(byField["etcd.keepalive"]).toEqual({ value: "5s", default: true });
      expect(byField["etcd.username"]).toEqual({ value: null, default: true });
      expect(byField["admin.socket"]).toEqual({ value: "/run/sluice/admin.sock", default: true });
      expect(byField["haproxy.bind"]).toBeUndefined();
    });
  });

  test("check names the fields a file sets, and says when it sets none", async () => {
    await withConfigFile("", async (file) => {
      const result = await run(["check", "--config", file]);
      expect(result.out).toBe(`ok: ${file}\ndefaults: 40 of 40 fields at their default\n`);
      expect(result.code).toBe(0);
    });
  });
});
