// Renders the default template for three services and compares it byte for byte with the golden
// file. `UPDATE_GOLDEN=1 bun test test/unit/render/golden.test.ts` rewrites the file instead.

import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildModel } from "../../../src/model/build.ts";
import { renderSettings } from "../../../src/pipeline.ts";
import { DEFAULT_TEMPLATE } from "../../../src/render/default-template.ts";
import { embeddedFiles } from "../../../src/render/embedded-files.ts";
import { createRenderer } from "../../../src/render/render.ts";
import { checkFile, FIXED_HAPROXY } from "./fixtures.ts";

const GOLDEN = join(import.meta.dir, "../../golden/default-three-services.cfg");
const TEMPLATE_NAME = "/etc/sluice/templates/haproxy.cfg.liquid";

function renderThreeServices(): string {
  const model = buildModel(
    [
      // web: the three value forms, one weighted and one drained.
      { key: "/apps/web/web@1.service", value: "web-1 10.0.0.1:8080" },
      { key: "/apps/web/web@2.service", value: "10.0.0.2:8080" },
      {
        key: "/apps/web/web@3.service",
        value: '{"addr":"10.0.0.3:8080","name":"web-3","weight":10}',
      },
      {
        key: "/apps/web/web@4.service",
        value: '{"addr":"localhost:8084","name":"web-4","drain":true,"meta":{"zone":"b"}}',
      },
      // api: one IPv6 server.
      { key: "/apps/api/api@1.service", value: "api-1 10.0.1.1:9000" },
      { key: "/apps/api/api@2.service", value: '{"addr":"[::1]:9001","name":"api-2"}' },
      // The seed's registration.
      {
        key: "/apps/stupid_server/stupid-server@1.service",
        value: "stupid-server-1 10.10.10.10:9000",
      },
    ],
    { prefix: "/apps/", revision: 42 },
  );
  expect(model.rejected).toEqual([]);
  return createRenderer().render(
    DEFAULT_TEMPLATE,
    TEMPLATE_NAME,
    model,
    renderSettings(FIXED_HAPROXY, model, TEMPLATE_NAME),
  );
}

describe("the default template for three services", () => {
  const text = renderThreeServices();
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(GOLDEN, text);

  test("matches the golden file byte for byte", () => {
    expect(existsSync(GOLDEN)).toBe(true);
    expect(text).toBe(readFileSync(GOLDEN, "utf8"));
  });

  test("the golden file has one backend per service with dynamic cookies and free slots", () => {
    const golden = readFileSync(GOLDEN, "utf8");
    const backends = [...golden.matchAll(/^backend (\S+)$/gm)].map((m) => m[1]);
    expect(backends).toEqual(["api", "stupid_server", "web"]);
    const expected: Record<string, string[]> = {
      api: ["api-1 10.0.1.1:9000 check weight 1", "api-2 [::1]:9001 check weight 1"],
      stupid_server: ["stupid-server-1 10.10.10.10:9000 check weight 1"],
      web: [
        "web-1 10.0.0.1:8080 check weight 1",
        "web-2.service 10.0.0.2:8080 check weight 1",
        "web-3 10.0.0.3:8080 check weight 10",
        "web-4 localhost:8084 check weight 0",
      ],
    };
    for (const section of golden.split(/^backend /m).slice(1)) {
      const name = section.slice(0, section.indexOf("\n"));
      expect(section).toContain("\n    balance leastconn\n");
      expect(section).toContain("\n    option forwardfor\n");
      // Persistence: the cookie of each server is derived from its address and the key.
      expect(section).toContain("\n    cookie JSESSIONID prefix nocache dynamic\n");
      expect(section).toContain("\n    dynamic-cookie-key sluice\n");
      const servers = [...section.matchAll(/^ {4}server (.*)$/gm)].map((m) => m[1]!);
      expect(servers.filter((line) => / cookie /.test(line))).toEqual([]);
      // Each server exactly once, in name order, then eight free slots.
      const spares = [1, 2, 3, 4, 5, 6, 7, 8].map(
        (n) => `.spare${n} 0.0.0.0:0 disabled check weight 1`,
      );
      expect(servers).toEqual([...(expected[name] ?? ["(unexpected backend)"]), ...spares]);
    }
    expect(golden).toContain("    server-state-file /var/lib/sluice/haproxy.state\n");
    expect(golden).toContain("    mworker-max-reloads 3\n");
    expect(golden).toContain("    load-server-state-from-file global\n");
    // [health]'s defaults: TCP checks every 2 s, down after 3 failures, up after 2 passes.
    expect(golden).toContain("    timeout check 1s\n");
    expect(golden).toContain(
      "    default-server init-addr last,libc,none inter 2s fall 3 rise 2\n",
    );
    expect(golden).not.toMatch(/spread-checks|httpchk|http-check/);
    expect(golden).toContain("frontend stats\n    bind 127.0.0.1:8888\n    stats enable\n");
    expect(golden).toContain("frontend http-in\n    bind 127.0.0.1:8080\n");
    // One lookup in the map, whose lines the file carries: each service by its name.
    expect(golden).toContain(
      "    use_backend %[req.hdr(host),field(1,:),lower,map_str(/var/lib/sluice/hosts.map)]\n",
    );
    expect(golden).not.toContain(" if { hdr(host)");
    expect(embeddedFiles(golden)).toEqual([
      { name: "hosts.map", content: backends.map((service) => `${service} ${service}\n`).join("") },
    ]);
    expect(golden).toContain("    default_backend api\n");
  });

  test("HAProxy 2.6 validates the golden file", () => {
    const outcome = checkFile(GOLDEN);
    expect(outcome.output).toContain("Configuration file is valid");
    expect(outcome.exitCode).toBe(0);
  });
});
