// [[template]] resources against a real etcd and the real daemon: with [haproxy] (two files,
// re-rendered on change, a shared reload_cmd run once, a refused check keeping the old file,
// plan --diff), without it (the plain renderer), and `serve --once`.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RendererStatus } from "../../src/admin/render-app.ts";
import type { TemplateStatus } from "../../src/resources/record.ts";
import { runLbctl, runToEnd } from "../helpers/cli.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { waitFor } from "../helpers/ports.ts";
import { SLUICE_BINARY, startSluice, type TestSluice } from "../helpers/sluice.ts";

let etcd: TestEtcd;
/** Where the templates, the files they write and the reload counters live. */
const work = mkdtempSync(join(tmpdir(), "sluice-templates-"));

const DB_TEMPLATE = 'db = {{ "/db/host" | getv }}\n';
const WEB_TEMPLATE =
  '{% for ip in "/web/*" | getvs %}server {{ ip }}\n{% endfor %}hosts {{ "/web" | ls | join: "," }}\n';

/** The lines a counter file holds (one per reload_cmd run). */
const count = (file: string) =>
  existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).length : 0;
const read = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : undefined);

/** A [[template]] table. */
function templateToml(fields: Record<string, string | string[]>): string {
  const lines = Object.entries(fields).map(([key, value]) => `${key} = ${JSON.stringify(value)}`);
  return `[[template]]\n${lines.join("\n")}\n`;
}

beforeAll(async () => {
  etcd = await startEtcd();
  writeFileSync(join(work, "db.liquid"), DB_TEMPLATE);
  writeFileSync(join(work, "web.liquid"), WEB_TEMPLATE);
});

afterAll(async () => {
  await etcd?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("with [haproxy]", () => {
  let sluice: TestSluice;
  const dir = join(work, "with-haproxy");
  const dbFile = join(dir, "db.conf");
  const webFile = join(dir, "web.conf");
  const reloads = join(dir, "reloads");
  const statusOf = async (dest: string) =>
    ((await sluice.status()).templates as TemplateStatus[]).find(
      (template) => template.dest === dest,
    )!;

  beforeAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    Bun.spawnSync(["mkdir", "-p", dir]);
    await etcd.client.put("/prod/db/host").value("db1.internal");
    await etcd.client.put("/prod/web/a").value("10.0.0.1");
    await etcd.client.put("/prod/web/b").value("10.0.0.2");
    const reloadCmd = `echo reloaded >> ${reloads}`;
    sluice = await startSluice({
      etcdEndpoint: etcd.endpoint,
      extraToml:
        templateToml({
          src: join(work, "db.liquid"),
          dest: dbFile,
          keys: ["/db"],
          prefix: "/prod",
          reload_cmd: reloadCmd,
          mode: "0600",
        }) +
        templateToml({
          ...{ src: join(work, "web.liquid"), dest: webFile, keys: ["/web"], prefix: "/prod" },
          ...{ check_cmd: "! grep -q BAD {{.src}}", reload_cmd: reloadCmd },
        }),
    });
  });

  afterAll(async () => {
    await sluice?.stop();
  });

  test("both files are rendered from etcd, and the shared reload_cmd runs once", async () => {
    await waitFor(
      "both files",
      () => read(dbFile) !== undefined && read(webFile) !== undefined,
      10_000,
    );
    expect(read(dbFile)).toBe("db = db1.internal\n");
    expect(statSync(dbFile).mode & 0o7777).toBe(0o600);
    expect(read(webFile)).toBe("server 10.0.0.1\nserver 10.0.0.2\nhosts a,b\n");
    await waitFor("the reload", () => count(reloads) >= 1);
    await Bun.sleep(200);
    expect(count(reloads)).toBe(1);
    const status = await statusOf(dbFile);
    expect(status).toMatchObject({ last_error: null, last_reload: { ok: true } });
    expect(status.revision).toBeGreaterThan(0);
    const metrics = await (await fetch(`${sluice.adminUrl}/metrics`)).text();
    expect(metrics).toContain(`sluice_template_renders_total{dest="${dbFile}",result="changed"} 1`);
  });

  test("HAProxy still serves the registrations under etcd.prefix, though discovery watches /", async () => {
    const put = await etcd.client.put("/apps/web/x").value("web-x 127.0.0.1:9");
    const status = await sluice.waitApplied(put.header.revision);
    expect(status.services).toBe(1);
    expect(status.backends).toBe(1);
    // The template keys are no registrations: nothing is rejected.
    expect(status.rejected_total).toBe(0);
  });

  test("a change re-renders the file that reads it, and reloads once", async () => {
    const before = count(reloads);
    await etcd.client.put("/prod/db/host").value("db2.internal");
    await waitFor("the new db file", () => read(dbFile) === "db = db2.internal\n", 5000);
    await waitFor("the reload", () => count(reloads) === before + 1);
    expect(read(webFile)).toBe("server 10.0.0.1\nserver 10.0.0.2\nhosts a,b\n");
    await Bun.sleep(200);
    expect(count(reloads)).toBe(before + 1);
  });

  test("a refused check_cmd keeps the old file and is reported; plan --diff shows the change", async () => {
    const before = count(reloads);
    const put = await etcd.client.put("/prod/web/c").value("BAD");
    await waitFor(
      "the refused check in status",
      async () => {
        const status = await statusOf(webFile);
        return (
          status.revision !== null &&
          status.revision >= Number(put.header.revision) &&
          status.last_error
        );
      },
      5000,
    );
    const status = await statusOf(webFile);
    expect(status.last_error).toContain('check_cmd "! grep -q BAD');
    expect(status.last_check).toMatchObject({ ok: false });
    expect(read(webFile)).toBe("server 10.0.0.1\nserver 10.0.0.2\nhosts a,b\n");
    expect(readdirHidden(dir)).toEqual([]);
    expect(count(reloads)).toBe(before);

    const plan = await runLbctl(["plan", "--diff", "--admin", sluice.adminUrl]);
    expect(plan.code).toBe(0);
    expect(plan.out).toContain(`template ${webFile}: would change`);
    expect(plan.out).toContain("+server BAD");
    expect(plan.out).toContain("-hosts a,b");
    expect(plan.out).toContain(`template ${dbFile}: would not change`);
    const json = JSON.parse(
      (await runLbctl(["plan", "--diff", "--json", "--admin", sluice.adminUrl])).out,
    );
    expect(
      json.files.map((file: { dest: string; changed: boolean }) => [file.dest, file.changed]),
    ).toEqual([
      [dbFile, false],
      [webFile, true],
    ]);

    // Fixed in etcd: the file follows, and the shared reload runs again.
    await etcd.client.put("/prod/web/c").value("10.0.0.3");
    await waitFor("the repaired file", () => read(webFile)?.includes("server 10.0.0.3"), 5000);
    await waitFor("the reload", () => count(reloads) === before + 1);
    expect((await statusOf(webFile)).last_error).toBeNull();
    expect(count(reloads)).toBe(before + 1);
  });
});

/** Hidden files left in `dir`: a staged file that was not cleaned up. */
function readdirHidden(dir: string): string[] {
  return (Bun.spawnSync(["ls", "-A", dir]).stdout.toString().split("\n") as string[]).filter(
    (name) => name.startsWith("."),
  );
}

describe("without [haproxy]: the plain renderer", () => {
  let sluice: TestSluice;
  const dir = join(work, "renderer");
  const dbFile = join(dir, "db.conf");

  beforeAll(async () => {
    Bun.spawnSync(["mkdir", "-p", dir]);
    await etcd.client.put("/plain/db/host").value("plain1");
    sluice = await startSluice({
      etcdEndpoint: etcd.endpoint,
      haproxy: false,
      extraToml: templateToml({
        src: join(work, "db.liquid"),
        dest: dbFile,
        keys: ["/db"],
        prefix: "/plain",
      }),
    });
  });

  afterAll(async () => {
    await sluice?.stop();
  });

  test("renders, follows changes, answers /healthz and /v1/status, and starts no HAProxy", async () => {
    await waitFor("the file", () => read(dbFile) === "db = plain1\n", 10_000);
    await etcd.client.put("/plain/db/host").value("plain2");
    await waitFor("the changed file", () => read(dbFile) === "db = plain2\n", 5000);
    expect(await (await fetch(`${sluice.adminUrl}/healthz`)).text()).toBe("ok\n");
    const status = (await sluice.status()) as unknown as RendererStatus;
    expect(status.mode).toBe("renderer");
    expect(status.etcd.connected).toBe(true);
    expect(status.templates).toHaveLength(1);
    expect(status.templates[0]).toMatchObject({
      dest: dbFile,
      last_error: null,
      renders: { changed: 2 },
    });
    await waitFor("ready", async () => (await fetch(`${sluice.adminUrl}/readyz`)).status === 200);
    const table = await runLbctl(["status", "--admin", sluice.adminUrl]);
    expect(table.code).toBe(0);
    expect(table.out).toContain("plain renderer: no HAProxy");
    expect(table.out).toContain(`template ${dbFile}: ok`);
    // SIGHUP applies again: the file is already right, so it counts as unchanged.
    process.kill(sluice.pid, "SIGHUP");
    await waitFor("the SIGHUP apply", async () => {
      const after = (await sluice.status()) as unknown as RendererStatus;
      return after.templates[0]!.renders.unchanged >= 1;
    });
    // No HAProxy: sluice has no child process, and wrote no haproxy.cfg.
    expect(Bun.spawnSync(["pgrep", "-P", String(sluice.pid)]).exitCode).toBe(1);
    expect(existsSync(sluice.renderedFile)).toBe(false);
  });
});

describe("serve --once", () => {
  const dir = join(work, "once");

  async function serveOnce(template: Record<string, string | string[]>) {
    Bun.spawnSync(["mkdir", "-p", dir]);
    const config = join(dir, "sluice.toml");
    writeFileSync(config, `[etcd]\nendpoints = ["${etcd.endpoint}"]\n\n${templateToml(template)}`);
    return runToEnd([SLUICE_BINARY, "serve", "--once", "--config", config]);
  }

  test("writes the file, runs reload_cmd, and exits 0", async () => {
    await etcd.client.put("/once/db/host").value("once1");
    const dest = join(dir, "ok.conf");
    const reloads = join(dir, "ok-reloads");
    const result = await serveOnce({
      src: join(work, "db.liquid"),
      dest,
      keys: ["/db"],
      prefix: "/once",
      reload_cmd: `echo x >> ${reloads}`,
    });
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(read(dest)).toBe("db = once1\n");
    expect(count(reloads)).toBe(1);
  });

  test("a refused check_cmd exits non-zero, names the file, and keeps the old one", async () => {
    const dest = join(dir, "refused.conf");
    writeFileSync(dest, "old\n");
    const src = join(work, "db.liquid");
    const result = await serveOnce({
      src,
      dest,
      keys: ["/db"],
      prefix: "/once",
      check_cmd: "false",
    });
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      `[[template]] ${dest} (src ${src}): ${dest}: check_cmd "false" exited with 1`,
    );
    expect(read(dest)).toBe("old\n");
  });
});
