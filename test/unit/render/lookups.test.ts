import { describe, expect, test } from "bun:test";
import { globToRegExp } from "../../../src/render/lookups.ts";

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
    ["/apps/[ab]pi/x", "/apps/api/x", true],
    ["/apps/[^ab]pi/x", "/apps/api/x", false],
    ["/apps/[a-c]*", "/apps/bee", true],
    ["/apps/\\*", "/apps/*", true],
    ["/apps/\\*", "/apps/x", false],
    ["/apps/a-b", "/apps/a-b", true],
  ];
  for (const [pattern, key, matches] of table) {
    test(`${JSON.stringify(pattern)} ${matches ? "matches" : "does not match"} ${JSON.stringify(key)}`, () => {
      expect(globToRegExp(pattern).test(key)).toBe(matches);
    });
  }
});

describe("globToRegExp refuses what Go's path.Match calls a bad pattern", () => {
  for (const pattern of [
    "/apps/[",
    "/apps/[]",
    "/apps/[a-]",
    "/apps/[-a]",
    "/apps/\\",
    "/apps/[z-a]",
  ]) {
    test(JSON.stringify(pattern), () => {
      expect(() => globToRegExp(pattern)).toThrow("syntax error in pattern");
    });
  }
});
