// The default template's active checks: [health] into default-server, timeout check,
// spread-checks and per-backend HTTP checks, per-service overrides, and no `check` when disabled.
// `UPDATE_GOLDEN=1` rewrites test/golden/default-health-http.cfg instead of comparing.

import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfigText } from "../../../src/config/load.ts";
import { buildModel } from "../../../src/model/build.ts";
import type { Model } from "../../../src/model/types.ts";
import { renderSettings } from "../../../src/pipeline.ts";
import { DEFAULT_TEMPLATE } from "../../../src/render/default-template.ts";
import { haproxyTime, healthSettings } from "../../../src/render/health-settings.ts";
import { createRenderer } from "../../../src/render/render.ts";
import { checkFile, checkText, FIXED_HAPROXY } from "./fixtures.ts";

const GOLDEN = join(import.meta.dir, "../../golden/default-health-http.cfg");
const NAME = "the default template";

function model(): Model {
  return buildModel(
    [
      { key: "/apps/web/a", value: "web-1 10.0.0.1:8080" },
      { key: "/apps/api/a", value: "api-1 10.0.1.1:9000" },
      { key: "/apps/db/a", value: "db-1 10.0.2.1:5432" },
    ],
    { prefix: "/apps/", revision: 9 },
  );
}

/** The default template rendered for `model()` with the [health] and [[service]] lines given. */
function renderWith(lines: string[]): string {
  const config = parseConfigText(lines.join("\n"), "/etc/sluice/sluice.toml");
  const served = model();
  const settings = renderSettings(
    FIXED_HAPROXY,
    served,
    NAME,
    healthSettings(config.health, config.services),
  );
  return createRenderer().render(DEFAULT_TEMPLATE, NAME, served, settings);
}

/** The lines of backend `name`, up to the next section. */
function backend(text: string, name: string): string[] {
  const start = text.indexOf(`\nbackend ${name}\n`);
  const rest = text.slice(start + 1).split("\n");
  const end = rest.findIndex((line, index) => index > 0 && /^\S/.test(line));
  return rest.slice(1, end === -1 ? undefined : end).filter((line) => line !== "");
}

const HTTP_CONFIG = [
  "[health]",
  'type = "http"',
  'path = "/healthz"',
  'host = "lb.internal"',
  'expect_status = "200"',
  'interval = "500ms"',
  'timeout = "250ms"',
  "rise = 2",
  "fall = 2",
  "jitter = 20",
  "",
  "[[service]]",
  'name = "api"',
  'health_path = "/ping?deep=1"',
  'health_host = ""',
  'health_expect_status = "200-299"',
  'health_interval = "1s"',
  "health_fall = 4",
  "",
  "[[service]]",
  'name = "db"',
  'health_type = "tcp"',
  'health_timeout = "100ms"',
];

describe("the default template's health checks", () => {
  const text = renderWith(HTTP_CONFIG);
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(GOLDEN, text);

  test("matches the golden file byte for byte, and HAProxy 2.6 accepts it", () => {
    expect(existsSync(GOLDEN)).toBe(true);
    expect(text).toBe(readFileSync(GOLDEN, "utf8"));
    const outcome = checkFile(GOLDEN);
    expect(outcome.output).not.toContain("ALERT");
    expect(outcome.exitCode).toBe(0);
  });

  test("[health] sets default-server, timeout check and spread-checks", () => {
    expect(text).toContain(
      "\n    default-server init-addr last,libc,none inter 500ms fall 2 rise 2\n",
    );
    expect(text).toContain("\n    timeout check 250ms\n");
    expect(text).toContain("\n    spread-checks 20\n");
  });

  test("a service without overrides gets [health]'s HTTP check", () => {
    expect(backend(text, "web")).toEqual(
      [
        "balance leastconn",
        "option forwardfor",
        "# Persistence: each server's cookie is derived from its address and the key, so it is",
        "# unique per server and survives reloads and runtime changes.",
        "cookie JSESSIONID prefix nocache dynamic",
        "dynamic-cookie-key sluice",
        "option httpchk",
        "http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host lb.internal",
        "http-check expect status 200",
        ...["server web-1 10.0.0.1:8080 check weight 1"],
        ...[1, 2, 3, 4, 5, 6, 7, 8].map(
          (n) => `server .spare${n} 0.0.0.0:0 disabled check weight 1`,
        ),
      ].map((line) => `    ${line}`),
    );
  });

  test("a service's overrides change only its backend", () => {
    const api = backend(text, "api");
    expect(api).toContain("    default-server inter 1s fall 4 rise 2");
    expect(api).toContain("    option httpchk");
    // health_host = "" keeps [health]'s host: an empty override means "not set".
    expect(api).toContain(
      "    http-check send meth GET uri /ping?deep=1 ver HTTP/1.1 hdr Host lb.internal",
    );
    expect(api).toContain("    http-check expect status 200-299");
    expect(api.some((line) => line.includes("timeout check"))).toBe(false);
    const db = backend(text, "db");
    expect(db).toContain("    timeout check 100ms");
    expect(db.some((line) => /httpchk|http-check|default-server/.test(line))).toBe(false);
  });

  test("with the defaults, TCP checks: no httpchk and no per-backend lines", () => {
    const plain = renderWith([]);
    expect(plain).toContain(
      "\n    default-server init-addr last,libc,none inter 2s fall 3 rise 2\n",
    );
    expect(plain).toContain("\n    timeout check 1s\n");
    expect(plain).not.toMatch(/spread-checks|httpchk|http-check/);
    expect(backend(plain, "web").filter((line) => line.includes("default-server"))).toEqual([]);
  });

  test("an HTTP check without host or status sends no Host header and expects nothing", () => {
    const bare = renderWith(["[health]", 'type = "http"']);
    expect(backend(bare, "web")).toContain("    http-check send meth GET uri /");
    expect(bare).not.toContain("http-check expect");
    expect(checkText(bare).exitCode).toBe(0);
  });

  test("with enabled = false no server has check, and no check settings are written", () => {
    const off = renderWith(["[health]", "enabled = false", 'type = "http"', "jitter = 10"]);
    const servers = off.split("\n").filter((line) => line.startsWith("    server "));
    expect(servers.length).toBeGreaterThan(0);
    expect(servers.filter((line) => / check( |$)/.test(line))).toEqual([]);
    expect(off).toContain("\n    server web-1 10.0.0.1:8080 weight 1\n");
    expect(off).toContain("\n    server .spare1 0.0.0.0:0 disabled weight 1\n");
    expect(off).not.toMatch(/timeout check|spread-checks|httpchk|http-check|inter /);
    expect(checkText(off).exitCode).toBe(0);
  });
});

describe("check values that would break a haproxy.cfg line never reach the template", () => {
  const attempts: [string, string][] = [
    ["path", 'path = "/ok\\n    server evil 6.6.6.6:80"'],
    ["path", 'path = "/ok hdr X-Evil 1"'],
    ["path", 'path = "/ok#comment"'],
    ["path", 'path = "/\\"quoted\\""'],
    ["host", 'host = "a.example hdr X-Evil 1"'],
    ["host", 'host = "%[src]"'],
    ["expect_status", 'expect_status = "200\\n    bind :6666"'],
    ["expect_status", 'expect_status = "200 !string x"'],
  ];
  for (const [field, line] of attempts) {
    test(`refuses ${line}`, () => {
      expect(() => renderWith(["[health]", 'type = "http"', line])).toThrow(`health.${field}:`);
    });
  }

  test("a service override is held to the same rules", () => {
    expect(() =>
      renderWith(["[[service]]", 'name = "web"', 'health_path = "/x\\rhttp-check send"']),
    ).toThrow("service.health_path:");
  });
});

describe("haproxyTime", () => {
  test("writes whole seconds as s and the rest as ms", () => {
    expect([2000, 500, 1500, 60_000].map(haproxyTime)).toEqual(["2s", "500ms", "1500ms", "60s"]);
  });
});
