import { describe, expect, test } from "bun:test";
import {
  compareStrings,
  formatValue,
  GoFloat,
  goTruth,
  goValue,
  KVPair,
  kindOf,
  parseGoJson,
} from "../../../src/confd/values.ts";

describe("Go values", () => {
  test("a GoFloat prints as Go's %v and computes as its number", () => {
    const million = new GoFloat(1000000);
    expect(`${million}`).toBe("1e+06");
    expect(String(new GoFloat(0.5))).toBe("0.5");
    expect(million.valueOf() + 1).toBe(1000001);
    expect(JSON.stringify({ n: million })).toBe('{"n":1000000}');
  });

  test("kinds: whole JS numbers are ints, GoFloats and fractions float64", () => {
    const cases: [unknown, string][] = [
      [3, "int"],
      [new GoFloat(3), "float"],
      [1.5, "float"],
      ["s", "string"],
      [null, "nil"],
      [undefined, "nil"],
      [[], "list"],
      [{}, "map"],
      [new KVPair("/a", "b"), "struct"],
      [true, "bool"],
    ];
    for (const [value, kind] of cases) expect(kindOf(value)).toBe(kind as never);
  });

  test("Go truth: false, 0, nil, empty string, list and map are false", () => {
    const falses = [false, 0, new GoFloat(0), null, undefined, "", [], {}];
    const trues = [true, 1, new GoFloat(0.1), "0", [0], { a: 1 }, new KVPair("", "")];
    for (const value of falses) expect(goTruth(value)).toBe(false);
    for (const value of trues) expect(goTruth(value)).toBe(true);
  });

  test("%v prints lists with spaces, maps with sorted keys, structs in braces", () => {
    expect(formatValue(["a", 1, new GoFloat(2e6), null])).toBe("[a 1 2e+06 <nil>]");
    expect(formatValue({ b: new GoFloat(2), a: "1", c: { d: [true] } })).toBe(
      "map[a:1 b:2 c:map[d:[true]]]",
    );
    expect(formatValue(new KVPair("/k", "v"))).toBe("{/k v}");
    expect(formatValue([])).toBe("[]");
  });

  test("an action's value: nil or missing prints <no value>", () => {
    expect(goValue(undefined)).toBe("<no value>");
    expect(goValue(null)).toBe("<no value>");
    expect(goValue(new GoFloat(3))).toBe("3");
    expect(goValue(42)).toBe("42");
    expect(goValue(false)).toBe("false");
    expect(goValue({ a: null })).toBe("map[a:<nil>]");
  });

  test("JSON numbers become float64 values, nested too", () => {
    const value = parseGoJson('{"port": 8080, "list": [1.5, {"x": 1e6}]}') as {
      port: GoFloat;
      list: [GoFloat, { x: GoFloat }];
    };
    expect(value.port).toBeInstanceOf(GoFloat);
    expect(formatValue(value)).toBe("map[list:[1.5 map[x:1e+06]] port:8080]");
    expect(() => parseGoJson("{nope")).toThrow("invalid JSON");
  });

  test("strings compare by code point: app10 < app2, and astral after BMP private use", () => {
    expect(compareStrings("app10", "app2")).toBeLessThan(0);
    expect(compareStrings("\uFFFD", "😀")).toBeLessThan(0);
    expect(compareStrings("a", "a")).toBe(0);
    expect(compareStrings("a", "ab")).toBeLessThan(0);
  });
});
