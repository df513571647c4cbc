// Hostile configs against the compiled binary: a looping template cannot freeze the daemon, and
// `lbctl check` refuses what `sluice serve` refuses, with the same message.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_TEMPLATE } from "../../src/render/default-template.ts";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { waitFor } from "../helpers/ports.ts";
import { SLUICE_BINARY, startSluice, type TestSluice } from "../helpers/sluice.ts";

/** 9 million iterations that allocate little: only render_timeout stops them. */
const SLOW_LOOP = "{% for i in (1..3000) %}{% for j in (1..3000) %}{% endfor %}{% endfor %}";
const LBCTL = join(SLUICE_BINARY, "..", "lbctl");

let etcd: TestEtcd;
let sluice: TestSluice;
let backend: TestBackend;

beforeAll(async () => {
  etcd = await startEtcd();
  backend = startBackend("web-a");
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    template: DEFAULT_TEMPLATE,
    haproxyToml: 'render_timeout = "300ms"',
  });
  const put = await etcd.client.put("/apps/web/a").value(`web-a ${backend.address}`);
  await sluice.waitApplied(put.header.revision);
});

afterAll(async () => {
  await sluice?.stop();
  backend?.stop();
  await etcd?.stop();
});

/** The slowest of `/healthz` answers polled back to back while `during` runs. */
async function slowestHealthz(during: Promise<unknown>): Promise<number> {
  let slowest = 0;
  let done = false;
  void during.finally(() => {
    done = true;
  });
  while (!done) {
    const startedAt = performance.now();
    const response = await fetch(`${sluice.adminUrl}/healthz`);
    expect(response.status).toBe(200);
    slowest = Math.max(slowest, performance.now() - startedAt);
  }
  return slowest;
}

describe("a looping template", () => {
  test("fails at render_timeout: /healthz keeps answering, the last good config serves", async () => {
    const served = readFileSync(sluice.renderedFile, "utf8");
    writeFileSync(sluice.templateFile, `${DEFAULT_TEMPLATE}\n${SLOW_LOOP}\n`);
    const put = await etcd.client.put("/apps/web/b").value(`web-b ${backend.address}`);
    const failed = waitFor("the failed apply", async () => {
      const status = await sluice.status();
      return status.apply.last_error?.includes("render_timeout") ? status : undefined;
    });
    const slowest = await slowestHealthz(failed);
    const status = await failed;
    expect(slowest).toBeLessThan(1500);
    expect(status.apply.last_error).toContain(
      `${sluice.templateFile}: render took longer than haproxy.render_timeout (300ms)`,
    );
    expect(status.apply.revision).toBeLessThan(Number(put.header.revision));
    expect(readFileSync(sluice.renderedFile, "utf8")).toBe(served);
    expect(status.haproxy.running).toBe(true);
    expect(await sluice.sample(3)).toEqual(Array(3).fill("web-a"));
  });

  test("fixing the template applies the newest state", async () => {
    writeFileSync(sluice.templateFile, DEFAULT_TEMPLATE);
    const response = await sluice.reload();
    expect(((await response.json()) as { ok: boolean }).ok).toBe(true);
    expect((await sluice.status()).backends).toBe(2);
  });
});

/** Runs the compiled binary as `argv0` with `args`; resolves with its exit code and output. */
async function run(binary: string, args: string[], cwd: string) {
  const child = Bun.spawn([binary, ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  clearTimeout(timer);
  return { code, output: `${out}${err}` };
}

/** A config for the test etcd whose `section` has `lines` (the defaults elsewhere). */
function hostileConfig(section: "etcd" | "haproxy" | "admin", lines: string): string {
  const sections = {
    etcd: `endpoints = ["${etcd.endpoint}"]\n`,
    haproxy: 'runtime_dir = "run"\nbind = "127.0.0.1:1"\n',
    admin: "",
  };
  sections[section] =
    section === "haproxy" ? `${lines}\nbind = "127.0.0.1:1"\n` : `${sections[section]}${lines}\n`;
  const body = Object.entries(sections).map(([name, text]) => `[${name}]\n${text}`);
  return `state_dir = "state"\n\n${body.join("\n")}`;
}

const HOSTILE: [string, "etcd" | "haproxy" | "admin", string, string][] = [
  ["an admin port of 99999", "admin", 'listen = "127.0.0.1:99999"', "admin.listen: the port"],
  [
    "a runtime_dir that adds a stats socket line",
    "haproxy",
    'runtime_dir = "run/evil.sock mode 666 level admin\\nstats socket run/x"',
    "haproxy.runtime_dir: must not contain control characters",
  ],
  [
    "a token_file that does not exist",
    "admin",
    'listen = "0.0.0.0:9600"\ntoken_file = "missing-token"',
    "admin.token_file: cannot read",
  ],
  [
    "a 720h resync_interval",
    "etcd",
    'resync_interval = "720h"',
    "etcd.resync_interval: must be at most",
  ],
];

describe("lbctl check refuses what sluice serve refuses", () => {
  for (const [what, section, lines, message] of HOSTILE) {
    test(`${what}: check, serve and serve --once exit 1 naming the field`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "sluice-hostile-"));
      try {
        const file = join(dir, "sluice.toml");
        writeFileSync(file, hostileConfig(section, lines));
        const check = await run(LBCTL, ["check", "--config", file], dir);
        expect(check.code).toBe(1);
        expect(check.output).toContain(file);
        expect(check.output).toContain(message);
        for (const args of [
          ["serve", "--config", file, "--once"],
          ["serve", "--config", file],
        ]) {
          const serve = await run(SLUICE_BINARY, args, dir);
          expect(serve.code).toBe(1);
          expect(serve.output).toContain(message);
        }
        expect(existsSync(join(dir, "state", "haproxy.cfg"))).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
