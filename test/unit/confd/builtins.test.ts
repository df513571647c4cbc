import { describe, expect, test } from "bun:test";
import {
  goAnd,
  goHtml,
  goIndex,
  goJs,
  goLen,
  goNot,
  goOr,
  goSlice,
  goUrlquery,
} from "../../../src/confd/builtins.ts";
import { goEq, goGe, goGt, goLe, goLt, goNe } from "../../../src/confd/compare.ts";
import { GoFloat, KVPair } from "../../../src/confd/values.ts";

describe("and, or, not", () => {
  test("and returns the first false argument, else the last", () => {
    expect(goAnd(1, "", "x")).toBe("");
    expect(goAnd(1, "a", "x")).toBe("x");
    expect(goAnd(0)).toBe(0);
    expect(goAnd([], 1)).toEqual([]);
  });

  test("or returns the first true argument, else the last", () => {
    expect(goOr("", "a", "b")).toBe("a");
    expect(goOr("", 0, null)).toBe(null);
    expect(goOr(new GoFloat(0), "fallback")).toBe("fallback");
  });

  test("not negates Go truth", () => {
    expect(goNot("")).toBe(true);
    expect(goNot({ a: 1 })).toBe(false);
  });
});

describe("comparisons", () => {
  test("eq is true if the first argument equals any of the others", () => {
    expect(goEq("b", "a", "b", "c")).toBe(true);
    expect(goEq("z", "a", "b")).toBe(false);
    expect(goEq(3, 3)).toBe(true);
    expect(goEq(new GoFloat(1.5), new GoFloat(1.5))).toBe(true);
    expect(goEq(true, true)).toBe(true);
    expect(goEq(new KVPair("a", "b"), new KVPair("a", "b"))).toBe(true);
  });

  test("eq with nil on one side is false, not an error", () => {
    expect(goEq(null, "a")).toBe(false);
    expect(goEq("a", undefined)).toBe(false);
    expect(goEq(null, null)).toBe(true);
  });

  test("eq of different basic kinds throws, as Go does for int against float64", () => {
    expect(() => goEq(80, new GoFloat(80))).toThrow("incompatible types for comparison");
    expect(() => goEq("1", 1)).toThrow("incompatible types for comparison");
    expect(() => goEq([1], [1])).toThrow("non-comparable type");
    expect(() => goEq(1)).toThrow("missing argument");
  });

  test("ne, lt, le, gt, ge order ints, floats and strings", () => {
    expect(goNe("a", "b")).toBe(true);
    expect(goLt(1, 2)).toBe(true);
    expect(goLt("app10", "app2")).toBe(true);
    expect(goLe(2, 2)).toBe(true);
    expect(goGt(new GoFloat(2.5), new GoFloat(1))).toBe(true);
    expect(goGe("b", "b")).toBe(true);
    expect(goGe(1, 2)).toBe(false);
  });

  test("ordering refuses bools, lists, nil and mixed kinds", () => {
    expect(() => goLt(true, false)).toThrow("invalid type for comparison");
    expect(() => goLt([1], [2])).toThrow("invalid type for comparison");
    expect(() => goLt(null, 1)).toThrow("invalid type for comparison");
    expect(() => goLt(1, "1")).toThrow("incompatible types for comparison");
  });
});

describe("len, index, slice", () => {
  test("len counts bytes of strings, elements of lists, entries of maps", () => {
    expect(goLen("héllo")).toBe(6);
    expect(goLen([1, 2])).toBe(2);
    expect(goLen({ a: 1, b: 2, c: 3 })).toBe(3);
    expect(() => goLen(3)).toThrow("len of type int");
    expect(() => goLen(null)).toThrow("len of nil pointer");
  });

  test("index walks lists and maps; a missing map key is nil; a string index is a byte", () => {
    const value = { a: [10, { b: "x" }] };
    expect(goIndex(value, "a", 1, "b")).toBe("x");
    expect(goIndex(value, "zzz")).toBe(undefined);
    expect(goIndex("abc", 1)).toBe(98);
    expect(goIndex([1, 2])).toEqual([1, 2]);
  });

  test("index errors: out of range, float64 index, wrong key type, nil", () => {
    expect(() => goIndex([1], 1)).toThrow("index out of range: 1");
    expect(() => goIndex([1], new GoFloat(0))).toThrow("cannot index slice with type float64");
    expect(() => goIndex({ a: 1 }, 1)).toThrow("value has type int; should be string");
    expect(() => goIndex(null, 1)).toThrow("index of untyped nil");
    expect(() => goIndex({ a: null }, "a", "b")).toThrow("index of nil pointer");
    expect(() => goIndex(3, 0)).toThrow("can't index item of type int");
  });

  test("slice cuts lists and byte ranges of strings", () => {
    expect(goSlice([1, 2, 3, 4], 1, 3)).toEqual([2, 3]);
    expect(goSlice([1, 2, 3], 1)).toEqual([2, 3]);
    expect(goSlice([1, 2, 3])).toEqual([1, 2, 3]);
    expect(goSlice("hello", 1, 4)).toBe("ell");
    expect(goSlice([1, 2, 3], 0, 2, 3)).toEqual([1, 2]);
  });

  test("slice errors like Go's", () => {
    expect(() => goSlice([1], 2)).toThrow("index out of range: 2");
    expect(() => goSlice([1, 2], 2, 1)).toThrow("invalid slice index: 2 > 1");
    expect(() => goSlice("ab", 0, 1, 2)).toThrow("cannot 3-index slice a string");
    expect(() => goSlice(null)).toThrow("slice of untyped nil");
    expect(() => goSlice([1], 0, 0, 0, 0)).toThrow("too many slice indexes: 4");
  });
});

describe("html, js, urlquery", () => {
  test("html escapes as Go's HTMLEscapeString", () => {
    expect(goHtml(`<a href="x">'&'</a>`)).toBe(
      "&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;",
    );
    expect(goHtml("a", 1, 2)).toBe("a1 2");
  });

  test("js escapes as Go's JSEscapeString", () => {
    expect(goJs(`a'b"c<d>&=\\\n\u2028é`)).toBe(
      "a\\'b\\\"c\\u003Cd\\u003E\\u0026\\u003D\\\\\\u000A\\u2028é",
    );
  });

  test("urlquery escapes as Go's QueryEscape", () => {
    expect(goUrlquery("a b&c=d/é~_-.")).toBe("a+b%26c%3Dd%2F%C3%A9~_-.");
    expect(goUrlquery(1, 2)).toBe("1+2");
  });
});
