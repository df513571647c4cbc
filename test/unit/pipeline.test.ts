// The checks shared by `serve`, `serve --once` and `lbctl check` before anything starts.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { createRenderPipeline, preflight } from "../../src/pipeline.ts";

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function configWith(admin: string) {
  dir = mkdtempSync(join(tmpdir(), "sluice-pipeline-"));
  const file = join(dir, "sluice.toml");
  writeFileSync(file, `[haproxy]\nruntime_dir = "run"\n\n[admin]\n${admin}\n`);
  return loadConfig(file);
}

describe("preflight", () => {
  test("reads the admin token", () => {
    const config = configWith('token_file = "token"');
    writeFileSync(join(dir, "token"), "secret\n");
    expect(preflight(config)).toEqual({ token: "secret" });
  });

  test("a missing token file names the field and the file", () => {
    const config = configWith('token_file = "missing-token"');
    expect(() => preflight(config)).toThrow(
      /sluice\.toml: admin\.token_file: cannot read .*missing-token: ENOENT/,
    );
  });

  test("an empty token file is refused", () => {
    const config = configWith('token_file = "token"');
    writeFileSync(join(dir, "token"), "\n");
    expect(() => preflight(config)).toThrow(/admin\.token_file: .*token is empty/);
  });
});

describe("render pipeline", () => {
  test("renders keys to a config with a slot per server and spares", () => {
    const config = configWith("");
    const rendered = createRenderPipeline(config).renderKeys(
      [{ key: "/apps/web/a", value: "a 10.0.0.1:80" }],
      5,
    );
    expect(rendered.model.revision).toBe(5);
    expect(rendered.text).toContain("server a 10.0.0.1:80");
    expect(rendered.layout.get("web")!.length).toBeGreaterThan(1);
  });
});
