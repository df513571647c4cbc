// Applies of every [[template]] from one key set: renders, shared reload_cmds run once, failures
// recorded without stopping the next apply, and the plan's diffs.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TemplateResource } from "../../../src/config/schema.ts";
import { createLogger } from "../../../src/log.ts";
import { createRenderer } from "../../../src/render/render.ts";
import { createResourceRunner } from "../../../src/resources/runner.ts";

let dir = "";
const lines: string[] = [];
const log = createLogger((line) => void lines.push(line), { format: "json", level: "debug" });
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sluice-runner-"));
  lines.length = 0;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function resource(
  name: string,
  source: string,
  overrides: Partial<TemplateResource> = {},
): TemplateResource {
  const src = join(dir, `${name}.liquid`);
  writeFileSync(src, source);
  return {
    ...{
      src,
      dest: join(dir, name),
      keys: ["/app"],
      prefix: "",
      mode: undefined,
      uid: -1,
      gid: -1,
    },
    ...{ checkCmd: "", reloadCmd: "", checkTimeoutMs: 5000, reloadTimeoutMs: 5000 },
    ...overrides,
  };
}

const kvs = (db: string) => [
  { key: "/app/db", value: db },
  { key: "/app/web/a", value: "10.0.0.1" },
  { key: "/app/web/b", value: "10.0.0.2" },
  { key: "/secret/x", value: "hidden" },
];

const count = (file: string) =>
  existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).length : 0;

describe("createResourceRunner", () => {
  test("renders every resource from the same keys, with getv, getvs and ls", async () => {
    const a = resource("a.conf", 'db={{ "/app/db" | getv }}\n');
    const b = resource(
      "b.conf",
      '{% for w in "/app/web/*" | getvs %}{{ w }} {% endfor %}|{{ "/app/web" | ls | join: "," }}|{{ "/secret/x" | getv: "none" }}\n',
    );
    const runner = createResourceRunner({ resources: [a, b], renderer: createRenderer(), log });
    const applied = await runner.apply(kvs("db1"), 5);
    expect(applied).toEqual({
      revision: 5,
      ok: true,
      results: [
        { src: a.src, dest: a.dest, changed: true },
        { src: b.src, dest: b.dest, changed: true },
      ],
    });
    expect(readFileSync(a.dest, "utf8")).toBe("db=db1\n");
    expect(readFileSync(b.dest, "utf8")).toBe("10.0.0.1 10.0.0.2 |a,b|none\n");
    const [statusA] = runner.status();
    expect(statusA).toMatchObject({
      dest: a.dest,
      revision: 5,
      last_error: null,
      renders: { changed: 1, unchanged: 0, failed: 0 },
    });
    expect(statusA!.last_changed_at).not.toBeNull();
  });

  test("two changed resources sharing a reload_cmd run it once, after both are written", async () => {
    const counter = join(dir, "reloads");
    // The command records what both files hold when it runs: both must be written already.
    const reloadCmd = `cat ${join(dir, "a.conf")} ${join(dir, "b.conf")} | tr '\\n' ' ' >> ${counter}; echo >> ${counter}`;
    const a = resource("a.conf", 'a {{ "/app/db" | getv }}\n', { reloadCmd });
    const b = resource("b.conf", 'b {{ "/app/db" | getv }}\n', { reloadCmd });
    const other = resource("c.conf", 'c {{ "/app/db" | getv }}\n', {
      reloadCmd: `echo c >> ${join(dir, "other")}`,
    });
    const runner = createResourceRunner({
      resources: [a, b, other],
      renderer: createRenderer(),
      log,
    });
    await runner.apply(kvs("one"), 1);
    expect(count(counter)).toBe(1);
    expect(readFileSync(counter, "utf8")).toBe("a one b one \n");
    expect(count(join(dir, "other"))).toBe(1);
    // Nothing changed: no reload at all.
    await runner.apply(kvs("one"), 2);
    expect(count(counter)).toBe(1);
    expect(runner.status()[0]!.renders).toEqual({ changed: 1, unchanged: 1, failed: 0 });
    await runner.apply(kvs("two"), 3);
    expect(count(counter)).toBe(2);
  });

  test("a failing reload_cmd is reported, and the next apply still runs", async () => {
    const events: [string, Record<string, unknown>][] = [];
    const a = resource("a.conf", '{{ "/app/db" | getv }}\n', {
      reloadCmd: "echo no service >&2; exit 1",
    });
    const runner = createResourceRunner({
      resources: [a],
      renderer: createRenderer(),
      log,
      publish: (type, data) => void events.push([type, data]),
    });
    const first = await runner.apply(kvs("one"), 1);
    expect(first.ok).toBe(false);
    expect(first.results[0]!.error).toContain(
      'reload_cmd "echo no service >&2; exit 1" exited with 1: no service',
    );
    expect(readFileSync(a.dest, "utf8")).toBe("one\n");
    const status = runner.status()[0]!;
    expect(status.last_reload).toMatchObject({ ok: false, exit_code: 1 });
    expect(status.last_error).toContain("reload_cmd");
    expect(events.map(([type]) => type)).toEqual(["template_written", "template_reload_failed"]);
    expect(lines.some((line) => line.includes("template reload failed"))).toBe(true);
    const second = await runner.apply(kvs("two"), 2);
    expect(readFileSync(a.dest, "utf8")).toBe("two\n");
    expect(second.results[0]!.changed).toBe(true);
  });

  test("a render error fails its resource only, naming the template, and keeps its old file", async () => {
    const good = resource("good.conf", "ok\n");
    const bad = resource("bad.conf", "{% if %}\n");
    writeFileSync(bad.dest, "old\n");
    const runner = createResourceRunner({
      resources: [bad, good],
      renderer: createRenderer(),
      log,
    });
    const applied = await runner.apply(kvs("x"), 4);
    expect(applied.ok).toBe(false);
    expect(applied.results[0]!.error).toStartWith(`${bad.src}:`);
    expect(applied.results[1]).toEqual({ src: good.src, dest: good.dest, changed: true });
    expect(readFileSync(bad.dest, "utf8")).toBe("old\n");
    expect(runner.status()[0]!.renders.failed).toBe(1);
  });

  test("a failing check_cmd keeps the old file, runs no reload, and records the check", async () => {
    const reloads = join(dir, "reloads");
    const a = resource("a.conf", '{{ "/app/db" | getv }}\n', {
      checkCmd: "grep -q good {{.src}}",
      reloadCmd: `echo x >> ${reloads}`,
    });
    const runner = createResourceRunner({ resources: [a], renderer: createRenderer(), log });
    expect((await runner.apply(kvs("good"), 1)).ok).toBe(true);
    const refused = await runner.apply(kvs("bad"), 2);
    expect(refused.results[0]!.error).toContain("check_cmd");
    expect(readFileSync(a.dest, "utf8")).toBe("good\n");
    expect(count(reloads)).toBe(1);
    expect(runner.status()[0]!.last_check).toMatchObject({ ok: false, exit_code: 1 });
  });

  test("plan lists what would change with a unified diff, and writes nothing", async () => {
    const a = resource("a.conf", '{{ "/app/db" | getv }}\n');
    const b = resource("b.conf", "fixed\n");
    const runner = createResourceRunner({ resources: [a, b], renderer: createRenderer(), log });
    await runner.apply(kvs("one"), 1);
    const plan = await runner.plan(kvs("two"));
    expect(plan[0]).toMatchObject({ dest: a.dest, changed: true });
    expect(plan[0]!.diff).toContain(`--- ${a.dest}\n+++ ${a.dest} (next apply)\n`);
    expect(plan[0]!.diff).toContain("-one\n+two\n");
    expect(plan[1]).toEqual({ src: b.src, dest: b.dest, changed: false, diff: "" });
    expect(readFileSync(a.dest, "utf8")).toBe("one\n");
  });
});
