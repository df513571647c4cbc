// The Host → backend map of the default template: its lines (lower case, hostnames, order, the
// first service keeping a Host two claim), the comment block that carries it in haproxy.cfg, and
// the planner taking a changed map for a reload.

import { describe, expect, test } from "bun:test";
import type { ServiceOverride } from "../../../src/config/schema.ts";
import { buildModel } from "../../../src/model/build.ts";
import { renderSettings } from "../../../src/pipeline.ts";
import { planConfig } from "../../../src/plan.ts";
import { DEFAULT_TEMPLATE } from "../../../src/render/default-template.ts";
import {
  asciiLower,
  embeddedFiles,
  embedFile,
  hostMapEntries,
  invalidFileName,
} from "../../../src/render/embedded-files.ts";
import { createRenderer } from "../../../src/render/render.ts";
import { checkText, FIXED_HAPROXY } from "./fixtures.ts";

const TEMPLATE_NAME = "the default template";

/** The default template rendered for one server in each of `services`, with `overrides`. */
function render(services: string[], overrides: ServiceOverride[] = [], defaultService = "") {
  const model = buildModel(
    services.map((name, index) => ({
      key: `/apps/${name}/s${index}`,
      value: `s${index} 10.0.0.${index + 1}:80`,
    })),
    { prefix: "/apps/", revision: 1, overrides },
  );
  const haproxy = { ...FIXED_HAPROXY, defaultService };
  return createRenderer().render(
    DEFAULT_TEMPLATE,
    TEMPLATE_NAME,
    model,
    renderSettings(haproxy, model, TEMPLATE_NAME),
  );
}

const override = (name: string, hostnames: string[]): ServiceOverride => ({
  name,
  balance: "roundrobin",
  hostnames,
});

/** The hosts.map a rendered config carries. */
function hostsMap(text: string): string {
  const files = embeddedFiles(text);
  expect(files.map((file) => file.name)).toEqual(["hosts.map"]);
  return files[0]!.content;
}

describe("the Host map's entries", () => {
  const table: {
    name: string;
    services: { name: string; hostnames: string[] }[];
    map: [string, string][];
  }[] = [
    {
      name: "each service's name, then its hostnames, in service order",
      services: [
        { name: "api", hostnames: ["api.example.com"] },
        { name: "web", hostnames: ["www.example.com", "example.com"] },
      ],
      map: [
        ["api", "api"],
        ["api.example.com", "api"],
        ["web", "web"],
        ["www.example.com", "web"],
        ["example.com", "web"],
      ],
    },
    {
      name: "keys in lower case, backends as named",
      services: [{ name: "Web", hostnames: ["WWW.Example.COM"] }],
      map: [
        ["web", "Web"],
        ["www.example.com", "Web"],
      ],
    },
    {
      name: "a Host two services claim stays with the first, as the first use_backend line did",
      services: [
        { name: "api", hostnames: ["shared.example.com"] },
        { name: "web", hostnames: ["Shared.example.com", "web.example.com"] },
        { name: "WEB", hostnames: [] },
      ],
      map: [
        ["api", "api"],
        ["shared.example.com", "api"],
        ["web", "web"],
        ["web.example.com", "web"],
      ],
    },
    {
      name: "a hostname listed twice by one service appears once",
      services: [{ name: "web", hostnames: ["web", "a.example.com", "A.example.com"] }],
      map: [
        ["web", "web"],
        ["a.example.com", "web"],
      ],
    },
  ];
  for (const row of table) {
    test(row.name, () => {
      expect(hostMapEntries(row.services)).toEqual(
        row.map.map(([host, backend]) => ({ host, backend })),
      );
    });
  }

  test("lower case is ASCII only, as HAProxy's `lower` and `-i`", () => {
    expect(asciiLower("WWW.Exämple.COM")).toBe("www.exämple.com");
    expect(asciiLower("ÄB")).toBe("Äb");
  });
});

describe("files carried in a config", () => {
  test("a block round-trips, blank lines dropped, ending in a newline", () => {
    const text = `global\n    maxconn 1\n${embedFile("\na b\n\n  c d  \n", "hosts.map")}\n`;
    expect(text).toContain("# sluice file hosts.map\n#| a b\n#| c d\n");
    expect(embeddedFiles(text)).toEqual([{ name: "hosts.map", content: "a b\nc d\n" }]);
  });

  test("an empty block is an empty file; a block ends at the first other line", () => {
    const text = `${embedFile("", "empty.map")}\n${embedFile("x y", "one.map")}\n# other\n#| z\n`;
    expect(embeddedFiles(text)).toEqual([
      { name: "empty.map", content: "" },
      { name: "one.map", content: "x y\n" },
    ]);
  });

  test("a name given twice keeps its first block", () => {
    const text = `${embedFile("a b", "hosts.map")}\n${embedFile("c d", "hosts.map")}\n`;
    expect(embeddedFiles(text)).toEqual([{ name: "hosts.map", content: "a b\n" }]);
  });

  test("only plain file names that are not the config's own copies", () => {
    expect(invalidFileName("hosts.map")).toBeUndefined();
    for (const name of ["../x", "/etc/passwd", "a/b", ".hidden", "", "x.staged", "haproxy.cfg"]) {
      expect({ name, invalid: invalidFileName(name) !== undefined }).toEqual({
        name,
        invalid: true,
      });
    }
    expect(() => embeddedFiles("# sluice file ../../etc/x\n#| a b\n")).toThrow("plain file name");
  });

  test("the embed_file filter refuses a path", () => {
    const model = buildModel([], { prefix: "/apps/", revision: 1 });
    const settings = { template: "t", haproxy: {}, defaultService: "" };
    expect(() =>
      createRenderer().render('{{ "a b" | embed_file: "../x" }}', "t", model, settings),
    ).toThrow("plain file name");
  });
});

describe("the default template's Host routing", () => {
  test("one use_backend line over the map, whatever the number of services", () => {
    const names = Array.from({ length: 50 }, (_, index) => `svc-${index}`);
    const text = render(names, [], "svc-0");
    const rules = text.split("\n").filter((line) => line.includes("use_backend"));
    expect(rules).toEqual([
      "    use_backend %[req.hdr(host),field(1,:),lower,map_str(/var/lib/sluice/hosts.map)]",
    ]);
    expect(text).toContain("    default_backend svc-0\n");
    const sorted = [...names].sort();
    expect(hostsMap(text)).toBe(sorted.map((name) => `${name} ${name}\n`).join(""));
    expect(checkText(text).exitCode).toBe(0);
  });

  test("hostnames from sluice.toml, lower case, after their service's name", () => {
    const text = render(["web", "api"], [override("web", ["WWW.example.com", "example.com"])]);
    expect(hostsMap(text)).toBe("api api\nweb web\nwww.example.com web\nexample.com web\n");
  });

  test("without services the map is empty and HAProxy accepts the config", () => {
    const text = render([]);
    expect(hostsMap(text)).toBe("");
    expect(checkText(text).exitCode).toBe(0);
  });

  test("a changed hostname takes a reload that names the map; unchanged, nothing", () => {
    const before = render(["web"], [override("web", ["a.example.com"])]);
    const after = render(["web"], [override("web", ["b.example.com"])]);
    expect(planConfig(before, before)).toEqual({ kind: "none" });
    expect(planConfig(before, after)).toEqual({
      kind: "reload",
      reasons: ["settings changed in file hosts.map"],
    });
  });

  test("a config that starts carrying the map takes a reload", () => {
    const text = render(["web"]);
    const without = text.slice(0, text.indexOf("# sluice file"));
    expect(planConfig(without, text)).toEqual({
      kind: "reload",
      reasons: ["section added: file hosts.map"],
    });
  });
});
