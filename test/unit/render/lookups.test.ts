import { describe, expect, test } from "bun:test";
import { createLookups, globToRegExp } from "../../../src/render/lookups.ts";

describe("globToRegExp", () => {
  const table: [pattern: string, key: string, matches: boolean][] = [
    ["/apps/*", "/apps/web", true],
    ["/apps/*", "/apps/web/a", false],
    ["/apps/*/*", "/apps/web/a", true],
    ["/apps/*/*", "/apps/web/a/b", false],
    ["/apps/web/*", "/apps/web/", true],
    ["/apps/web/*", "/apps/webx/a", false],
    ["/apps/w?b/a", "/apps/web/a", true],
    ["/apps/w?b/a", "/apps/w/b/a", false],
    ["/apps/w?b/a", "/apps/wb/a", false],
    ["/apps/web/a.b", "/apps/web/a.b", true],
    ["/apps/web/a.b", "/apps/web/aXb", false],
    ["/apps/(x)+/a", "/apps/(x)+/a", true],
    ["/apps/(x)+/a", "/apps/xx/a", false],
    ["/apps/$web^/a", "/apps/$web^/a", true],
    ["/apps/web", "/apps/web/a", false],
    ["/apps/web", "/x/apps/web", false],
    ["*", "web", true],
    ["*", "/web", false],
  ];
  for (const [pattern, key, matches] of table) {
    test(`${JSON.stringify(pattern)} ${matches ? "matches" : "does not match"} ${JSON.stringify(key)}`, () => {
      expect(globToRegExp(pattern).test(key)).toBe(matches);
    });
  }
});

describe("createLookups", () => {
  const lookups = createLookups([
    { key: "/apps/web/b", value: "web-2 10.0.0.2:80" },
    { key: "/apps/api/a", value: "api-1 10.0.1.1:80" },
    { key: "/apps/web/a", value: "web-1 10.0.0.1:80" },
  ]);

  test("getvs returns values in key order", () => {
    expect(lookups.getvs("/apps/web/*")).toEqual(["web-1 10.0.0.1:80", "web-2 10.0.0.2:80"]);
    expect(lookups.getvs("/apps/*")).toEqual([]);
  });

  test("gets returns key and value pairs in key order", () => {
    expect(lookups.gets("/apps/*/a")).toEqual([
      { key: "/apps/api/a", value: "api-1 10.0.1.1:80" },
      { key: "/apps/web/a", value: "web-1 10.0.0.1:80" },
    ]);
  });

  test("getv returns the value, else the fallback, else an empty string", () => {
    expect(lookups.getv("/apps/web/a")).toBe("web-1 10.0.0.1:80");
    expect(lookups.getv("/apps/web/z", "none")).toBe("none");
    expect(lookups.getv("/apps/web/z")).toBe("");
  });

  test("ls lists the next path segment once, with or without a trailing slash", () => {
    expect(lookups.ls("/apps")).toEqual(["api", "web"]);
    expect(lookups.ls("/apps/")).toEqual(["api", "web"]);
    expect(lookups.ls("/apps/web")).toEqual(["a", "b"]);
    expect(lookups.ls("/apps/we")).toEqual([]);
  });

  test("exists is true only for exact keys", () => {
    expect(lookups.exists("/apps/web/a")).toBe(true);
    expect(lookups.exists("/apps/web")).toBe(false);
  });
});
