import { describe, expect, test } from "bun:test";
import { add, atoi, div, mod, mul, seq, sub } from "../../../src/confd/numbers.ts";
import {
  base64Decode,
  base64Encode,
  createMap,
  goJoin,
  goReplace,
  goReverse,
  goSplit,
  parseBool,
  sortByLength,
  sortKVByLength,
  trimSuffix,
  unmarshalJsonArray,
  unmarshalJsonObject,
} from "../../../src/confd/strings.ts";
import { formatValue, GoFloat, KVPair } from "../../../src/confd/values.ts";

describe("string functions", () => {
  test("split keeps empty parts; an empty separator splits characters", () => {
    expect(goSplit("a,,b,", ",")).toEqual(["a", "", "b", ""]);
    expect(goSplit("", ",")).toEqual([""]);
    expect(goSplit("hé", "")).toEqual(["h", "é"]);
  });

  test("join joins a list with the separator", () => {
    expect(goJoin(["a", "b"], ", ")).toBe("a, b");
    expect(goJoin([], ",")).toBe("");
    expect(() => goJoin("ab", ",")).toThrow("expected a list");
  });

  test("replace replaces n occurrences, all when n < 0, around characters for an empty old", () => {
    expect(goReplace("oink oink oink", "k", "ky", 2)).toBe("oinky oinky oink");
    expect(goReplace("oink oink oink", "oink", "moo", -1)).toBe("moo moo moo");
    expect(goReplace("abc", "b", "x", 0)).toBe("abc");
    expect(goReplace("ab", "", "-", -1)).toBe("-a-b-");
    expect(goReplace("ab", "", "-", 2)).toBe("-a-b");
  });

  test("trimSuffix removes one suffix", () => {
    expect(trimSuffix("a.conf.conf", ".conf")).toBe("a.conf");
    expect(trimSuffix("a", "")).toBe("a");
    expect(trimSuffix("a", "b")).toBe("a");
  });

  test("base64 encodes UTF-8 and decodes strictly", () => {
    expect(base64Encode("héllo")).toBe("aMOpbGxv");
    expect(base64Decode("aMOpbGxv")).toBe("héllo");
    expect(base64Decode("YQ==")).toBe("a");
    expect(() => base64Decode("YQ")).toThrow("illegal base64 data");
    expect(() => base64Decode("Y*==")).toThrow("illegal base64 data at input byte 1");
  });

  test("parseBool takes Go's words and refuses others", () => {
    for (const word of ["1", "t", "T", "true", "TRUE", "True"]) expect(parseBool(word)).toBe(true);
    for (const word of ["0", "f", "F", "false", "FALSE", "False"]) {
      expect(parseBool(word)).toBe(false);
    }
    expect(() => parseBool("yes")).toThrow('strconv.ParseBool: parsing "yes": invalid syntax');
  });

  test("json gives a map with float64 numbers; jsonArray a list; null is nil", () => {
    const object = unmarshalJsonObject('{"port":8080,"host":"a"}')!;
    expect(object.port).toBeInstanceOf(GoFloat);
    expect(formatValue(object)).toBe("map[host:a port:8080]");
    expect(unmarshalJsonObject("null")).toBe(undefined);
    expect(() => unmarshalJsonObject("[1]")).toThrow("cannot unmarshal list");
    expect(formatValue(unmarshalJsonArray('["a", 2e6]'))).toBe("[a 2e+06]");
    expect(unmarshalJsonArray("null")).toEqual([]);
    expect(() => unmarshalJsonArray("{}")).toThrow("cannot unmarshal map");
  });

  test("map pairs keys with values; an odd count or a non-string key throws", () => {
    expect(createMap("a", 1, "b", "x")).toEqual({ a: 1, b: "x" });
    expect(Object.keys(createMap("__proto__", 1))).toEqual(["__proto__"]);
    expect(() => createMap("a")).toThrow("invalid map call");
    expect(() => createMap(1, 2)).toThrow("map keys must be strings");
  });

  test("sortByLength and sortKVByLength sort by length, stable, without changing the input", () => {
    const input = ["ccc", "a", "bb", "b"];
    expect(sortByLength(input)).toEqual(["a", "b", "bb", "ccc"]);
    expect(input).toEqual(["ccc", "a", "bb", "b"]);
    const pairs = [new KVPair("/abc", "1"), new KVPair("/b", "2"), new KVPair("/a", "3")];
    expect(sortKVByLength(pairs).map((p) => p.Key)).toEqual(["/b", "/a", "/abc"]);
  });

  test("reverse reverses a copy of a list", () => {
    const input = [1, 2, 3];
    expect(goReverse(input)).toEqual([3, 2, 1]);
    expect(input).toEqual([1, 2, 3]);
  });
});

describe("integer functions", () => {
  test("atoi parses Go ints and refuses others", () => {
    expect(atoi("42")).toBe(42);
    expect(atoi("-7")).toBe(-7);
    expect(atoi("+3")).toBe(3);
    for (const bad of ["", " 1", "1.5", "0x10", "abc"]) {
      expect(() => atoi(bad)).toThrow(
        `strconv.Atoi: parsing ${JSON.stringify(bad)}: invalid syntax`,
      );
    }
  });

  test("seq is inclusive, empty when last < first", () => {
    expect(seq(3, 5)).toEqual([3, 4, 5]);
    expect(seq(5, 3)).toEqual([]);
    expect(() => seq(1, 1e9)).toThrow("seq: more than");
  });

  test("arithmetic on ints: division truncates, remainder keeps the dividend's sign", () => {
    expect(add(2, 3)).toBe(5);
    expect(sub(2, 3)).toBe(-1);
    expect(mul(4, 3)).toBe(12);
    expect(div(7, 2)).toBe(3);
    expect(div(-7, 2)).toBe(-3);
    expect(mod(-7, 3)).toBe(-1);
    expect(() => div(1, 0)).toThrow("integer divide by zero");
    expect(() => mod(1, 0)).toThrow("integer divide by zero");
  });

  test("arithmetic refuses float64 and strings, as Go's int parameters do", () => {
    expect(() => add(new GoFloat(1), 2)).toThrow("expected int; got float64");
    expect(() => add("1", 2)).toThrow("expected int; got string");
  });
});
