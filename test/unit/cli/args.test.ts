// The argv parser: valued, boolean and repeatable flags, and positionals.

import { expect, test } from "bun:test";
import { parseArgs, UsageError } from "../../../src/cli/args.ts";

test("a repeatable flag keeps every value in order, inline or not", () => {
  const args = parseArgs(
    ["web", "--meta", "a=1", "--ttl=2s", "--meta=b=2", "x:1"],
    ["ttl"],
    [],
    ["meta"],
  );
  expect(args.lists.get("meta")).toEqual(["a=1", "b=2"]);
  expect(args.flags.get("ttl")).toBe("2s");
  expect(args.flags.has("meta")).toBe(false);
  expect(args.positionals).toEqual(["web", "x:1"]);
});

test("a repeatable flag without its value is a usage error", () => {
  expect(() => parseArgs(["--meta"], [], [], ["meta"])).toThrow(UsageError);
});
