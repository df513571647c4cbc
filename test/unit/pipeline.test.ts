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

describe("the default template's global section fits the open-file limit", () => {
  const keys = Array.from({ length: 300 }, (_, i) => ({
    key: `/apps/web/w${i}`,
    value: `w${i} 10.0.${i >> 8}.${i & 255}:80`,
  }));

  test("fd-hard-limit is the limit, and maxconn is what fits it beside the slots", () => {
    const heard: number[] = [];
    const pipeline = createRenderPipeline(configWith(""), {
      fdLimit: () => 3000,
      cpus: 2,
      onFdBudget: (_budget, lines) => heard.push(lines),
    });
    const { text, layout } = pipeline.renderKeys(keys, 1);
    const { budget, serverLines } = pipeline.fdBudget(layout);
    const lines = [...layout.values()].reduce((sum, slots) => sum + slots.length, 0);
    expect(heard).toEqual([lines]);
    expect(serverLines).toBe(lines);
    expect(budget.maxconn).toBeLessThan(4096);
    expect(budget.needed).toBeLessThanOrEqual(3000);
    const global = text.slice(text.indexOf("global"), text.indexOf("defaults"));
    expect(global).toContain("\n    fd-hard-limit 3000\n");
    expect(global).toContain(`\n    maxconn ${budget.maxconn}\n`);
  });

  test("a generous limit keeps maxconn 4096", () => {
    const pipeline = createRenderPipeline(configWith(""), { fdLimit: () => 1_048_576, cpus: 2 });
    const { text } = pipeline.renderKeys(keys, 1);
    expect(text).toContain("\n    fd-hard-limit 1048576\n    maxconn 4096\n");
  });
});

describe("a large model renders off the event loop", () => {
  const keys = Array.from({ length: 20_000 }, (_, i) => ({
    key: `/apps/bulk/b${i}`,
    value: `b${i} 10.${i >> 16}.${(i >> 8) & 255}.${i & 255}:80`,
  }));

  test("with the default template, whose comments say 'lookup', the timers keep running", async () => {
    const pipeline = createRenderPipeline(configWith(""));
    const { model, layout, text: onLoop } = pipeline.renderKeys(keys, 1);
    let ticks = 0;
    const counter = setInterval(() => ticks++, 5);
    const text = await pipeline.renderOffLoop(model, layout);
    clearInterval(counter);
    expect(text).toBe(onLoop);
    // On the loop, a render of 20,000 servers gives the timers no turn until it ends.
    expect(ticks).toBeGreaterThan(3);
  });
});
