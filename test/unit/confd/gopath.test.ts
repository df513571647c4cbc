import { describe, expect, test } from "bun:test";
import { basePath, cleanPath, dirPath, matchPath } from "../../../src/confd/gopath.ts";

describe("Go path functions", () => {
  // Expected values are what Go's path package returns.
  const table: [fn: (p: string) => string, input: string, expected: string][] = [
    [basePath, "/app/web/a", "a"],
    [basePath, "/app/web/", "web"],
    [basePath, "", "."],
    [basePath, "///", "/"],
    [basePath, "name", "name"],
    [dirPath, "/app/web/a", "/app/web"],
    [dirPath, "/app", "/"],
    [dirPath, "a", "."],
    [dirPath, "", "."],
    [dirPath, "/a//b/../c/d", "/a/c"],
    [cleanPath, "/a/./b/../../c", "/c"],
    [cleanPath, "/../a", "/a"],
    [cleanPath, "../a/..", ".."],
    [cleanPath, "a//b/", "a/b"],
  ];
  for (const [fn, input, expected] of table) {
    test(`${fn.name}(${JSON.stringify(input)}) is ${JSON.stringify(expected)}`, () => {
      expect(fn(input)).toBe(expected);
    });
  }

  test("matchPath follows path.Match: classes, escapes, no crossing of /", () => {
    expect(matchPath("/a/*", "/a/b")).toBe(true);
    expect(matchPath("/a/*", "/a/b/c")).toBe(false);
    expect(matchPath("/a/[0-9]", "/a/7")).toBe(true);
    expect(matchPath("/a/[^0-9]", "/a/7")).toBe(false);
    expect(matchPath("/a/\\[x", "/a/[x")).toBe(true);
    expect(matchPath("/a/é?", "/a/éx")).toBe(true);
  });
});
