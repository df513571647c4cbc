import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, parseConfigText } from "../../../src/config/load.ts";
import { ConfigError } from "../../../src/errors.ts";

const FILE = "/etc/sluice/sluice.toml";

function errorFor(text: string, file = FILE): ConfigError {
  try {
    parseConfigText(text, file);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfigText", () => {
  test("a TOML syntax error names the file, line and column", () => {
    const error = errorFor('[etcd]\nprefix = "/apps/"\n\n[haproxy\nbind = "*:80"\n');
    expect(error.message).toMatch(new RegExp(`^${FILE}:4:\\d+: `));
    expect(error.message).not.toContain("\n");
    expect(error.code).toBe("config");
  });

  test("an unterminated string names its line", () => {
    const error = errorFor('[haproxy]\nbind = "*:80\n');
    expect(error.message).toMatch(new RegExp(`^${FILE}:2:\\d+: `));
  });

  test("a duplicate key is a syntax error with its line", () => {
    const error = errorFor('[haproxy]\nbind = "*:80"\nbind = "*:81"\n');
    expect(error.message).toMatch(new RegExp(`^${FILE}:3:\\d+: `));
  });
});

describe("loadConfig", () => {
  test("a missing file is a ConfigError naming the file", () => {
    const file = "/nonexistent/sluice-unit/sluice.toml";
    let thrown: unknown;
    try {
      loadConfig(file);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toBe(`${file}: cannot read config: no such file`);
  });

  test("reads and resolves a file from disk, relative paths against its directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-config-"));
    try {
      const file = join(dir, "sluice.toml");
      writeFileSync(file, '[haproxy]\ntemplate = "templates/haproxy.cfg.liquid"\n');
      const config = loadConfig(file);
      expect(config.file).toBe(file);
      expect(config.haproxy?.template).toBe(join(dir, "templates/haproxy.cfg.liquid"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
