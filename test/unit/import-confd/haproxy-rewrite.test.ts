// The HAProxy template rewrite: sluice's stats socket and global lines, no daemon/user/group/
// pidfile, 1.5-era keywords replaced for HAProxy 2.6, template lines kept 1:1, a report line
// for each change; the seed's rewritten template passes the real `haproxy -c`.

import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Liquid } from "liquidjs";
import { rewriteHaproxyTemplate } from "../../../src/import-confd/haproxy-rewrite.ts";
import { createReport, type ReportItem } from "../../../src/import-confd/report.ts";
import { stubConvert } from "./stub-convert.ts";

const FIXTURE = join(import.meta.dir, "..", "..", "fixtures", "seed-confd");

function rewrite(text: string): { liquid: string; items: ReportItem[] } {
  const report = createReport();
  return { liquid: rewriteHaproxyTemplate(text, "t.tmpl", report), items: report.items };
}

const SETTINGS = {
  haproxy: {
    stats_socket: "/run/s/stats.sock",
    hard_stop_after: "5000ms",
    reload: "master-worker",
    max_old_workers: 3,
    server_state_file: "/var/lib/s/haproxy.state",
  },
};

async function render(liquid: string, settings: object = SETTINGS): Promise<string> {
  const engine = new Liquid();
  engine.registerFilter("getvs", () => ["web-1 127.0.0.1:9001", "web-2 127.0.0.1:9002"]);
  return engine.parseAndRender(liquid, settings);
}

describe("rewriting the HAProxy template", () => {
  test("keeps the template's line count, so render errors name the Go template's lines", () => {
    const text = readFileSync(join(FIXTURE, "templates", "haproxy.cfg.tmpl"), "utf8");
    const { liquid } = rewrite(stubConvert(text, { file: "t" }).liquid);
    expect(liquid.split("\n").length).toBe(text.split("\n").length);
  });

  test("stats socket becomes sluice's, with the global lines sluice's reloads need", async () => {
    const { liquid, items } = rewrite(
      "global\n    stats socket /var/run/haproxy.sock mode 600 level admin\n    maxconn 10",
    );
    const out = await render(liquid);
    expect(out).toBe(
      "global\n    stats socket /run/s/stats.sock mode 600 level admin expose-fd listeners\n    hard-stop-after 5000ms\n    mworker-max-reloads 3\n    server-state-file /var/lib/s/haproxy.state\n    maxconn 10",
    );
    expect(items[0]).toMatchObject({ line: 2, level: "note" });
    const sf = await render(liquid, { haproxy: { ...SETTINGS.haproxy, reload: "sf" } });
    expect(sf).not.toContain("mworker-max-reloads");
  });

  test("without a stats socket the lines go after `global`; without global, a section is added", async () => {
    const withGlobal = await render(rewrite("global\n    maxconn 10").liquid);
    expect(withGlobal.split("\n")[1]).toBe(
      "    stats socket /run/s/stats.sock mode 600 level admin expose-fd listeners",
    );
    const without = rewrite("frontend x\n    bind :80");
    expect(
      (await render(without.liquid)).startsWith("global\n    stats socket /run/s/stats.sock"),
    ).toBe(true);
    expect(without.liquid.split("\n").length).toBe(2);
  });

  test("daemon, user, group, pidfile, chroot and a second stats socket are removed, each reported", async () => {
    const { liquid, items } = rewrite(
      "global\n  daemon\n  user haproxy\n  group haproxy\n  pidfile /run/h.pid\n  chroot /var/lib/haproxy\n  stats socket /a\n  stats socket /b\n  log /dev/log local0",
    );
    const out = await render(liquid);
    for (const gone of [
      "daemon",
      "user haproxy",
      "group haproxy",
      "pidfile",
      "chroot /var",
      "/b",
    ]) {
      expect(out).not.toContain(`  ${gone}`);
    }
    expect(out).toContain("  log /dev/log local0");
    expect(items.map((item) => item.line)).toEqual([2, 3, 4, 5, 6, 7, 8]);
  });

  test("1.5-era keywords are rewritten for 2.6, the value (ms) kept", async () => {
    const { liquid, items } = rewrite(
      "defaults\n contimeout 5000\n clitimeout 50000\n srvtimeout 50000\n redispatch\n option forceclose\nbackend b\n block if { src 10.0.0.1 }\n option http-tunnel",
    );
    const out = await render(liquid);
    expect(out).toContain(
      " timeout connect 5000\n timeout client 50000\n timeout server 50000\n option redispatch\n option httpclose",
    );
    expect(out).toContain(" http-request deny if { src 10.0.0.1 }");
    expect(out).not.toContain("http-tunnel\n");
    const lines = items.filter(
      (item) => item.message.includes("HAProxy 2.6") || item.message.startsWith("removed"),
    );
    expect(lines.map((item) => item.line)).toEqual([2, 3, 4, 5, 6, 8, 9]);
  });

  test("keywords with no exact replacement are problems, left as they are", () => {
    const { liquid, items } = rewrite(
      "backend b\n reqadd X-Foo:\\ bar\n appsession JSESSIONID len 52\n monitor-net 10.0.0.0/8",
    );
    expect(liquid).toContain(" reqadd X-Foo:\\ bar");
    expect(items.filter((item) => item.level === "problem").map((item) => item.line)).toEqual([
      2, 3, 4,
    ]);
  });

  test("a line to remove that holds template logic is a problem, not removed", () => {
    const { liquid, items } = rewrite("global\n{% if x %}  daemon{% endif %}");
    expect(liquid).toContain("{% if x %}  daemon{% endif %}");
    expect(items.find((item) => item.line === 2)?.level).toBe("problem");
  });

  test("a fixed cookie on a server line built from keys is pointed out", () => {
    const { items } = rewrite(
      "backend b\n{% for item in list %}\nserver {{ item }} cookie A check\n{% endfor %}",
    );
    expect(items.find((item) => item.message.includes("same literal cookie"))?.line).toBe(3);
  });

  test.skipIf(!existsSync("/usr/sbin/haproxy"))(
    "the seed's template, rewritten and rendered, passes haproxy -c (2.6)",
    async () => {
      const text = readFileSync(join(FIXTURE, "templates", "haproxy.cfg.tmpl"), "utf8");
      const dir = mkdtempSync(join(tmpdir(), "sluice-import-"));
      try {
        const liquid = rewrite(stubConvert(text, { file: "t" }).liquid).liquid;
        const settings = {
          haproxy: {
            ...SETTINGS.haproxy,
            stats_socket: join(dir, "stats.sock"),
            server_state_file: join(dir, "state"),
          },
        };
        writeFileSync(join(dir, "haproxy.cfg"), await render(liquid, settings));
        const original = join(dir, "original.cfg");
        writeFileSync(original, text.replace(/\{\{[^}]*\}\}/g, ""));
        const check = (file: string) =>
          Bun.spawnSync(["/usr/sbin/haproxy", "-c", "-f", file], { stderr: "pipe" });
        const result = check(join(dir, "haproxy.cfg"));
        expect(result.stderr.toString()).not.toContain("ALERT");
        expect(result.exitCode).toBe(0);
        // The seed as it was does not pass: the rewrite is what makes it load.
        expect(check(original).exitCode).not.toBe(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
