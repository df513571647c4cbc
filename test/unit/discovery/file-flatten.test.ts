import { describe, expect, test } from "bun:test";
import { flattenKeys, formatGoFloat, joinKey } from "../../../src/discovery/file/flatten.ts";
import { parseKeyFile, yamlErrorLine } from "../../../src/discovery/file/parse.ts";
import { DiscoveryError } from "../../../src/errors.ts";

/** The flattened keys of `text` read as `file`, as a key → value object. */
function keysOf(text: string, file: string): Record<string, string> {
  return Object.fromEntries(parseKeyFile(text, file).map(({ key, value }) => [key, value]));
}

const NESTED = {
  json: '{"apps": {"web": {"1": "web-1 127.0.0.1:8001", "2": "web-2 127.0.0.1:8002"}}}',
  yaml: 'apps:\n  web:\n    "1": web-1 127.0.0.1:8001\n    "2": web-2 127.0.0.1:8002\n',
  toml: '[apps.web]\n1 = "web-1 127.0.0.1:8001"\n2 = "web-2 127.0.0.1:8002"\n',
};

describe("flattening a key file like confd's file backend", () => {
  for (const [format, text] of Object.entries(NESTED)) {
    test(`nested ${format} maps join with /`, () => {
      expect(keysOf(text, `/etc/keys.${format}`)).toEqual({
        "/apps/web/1": "web-1 127.0.0.1:8001",
        "/apps/web/2": "web-2 127.0.0.1:8002",
      });
    });
  }

  test("a .yml file is YAML", () => {
    expect(keysOf("a: b\n", "keys.yml")).toEqual({ "/a": "b" });
  });

  test("a top-level key with slashes is the key as it is, and mixes with nested ones", () => {
    const text = '"/apps/web/1": web-1 127.0.0.1:8001\napps:\n  db:\n    a: db-a 127.0.0.1:5432\n';
    expect(keysOf(text, "keys.yaml")).toEqual({
      "/apps/web/1": "web-1 127.0.0.1:8001",
      "/apps/db/a": "db-a 127.0.0.1:5432",
    });
  });

  test("keys are cleaned like Go's path.Join: no empty, . or .. segments", () => {
    const text = JSON.stringify({ "apps//web/": { "./1": "a", "x/../2": "b" }, "": { c: "d" } });
    expect(keysOf(text, "keys.json")).toEqual({
      "/apps/web/1": "a",
      "/apps/web/2": "b",
      "/c": "d",
    });
  });

  test("arrays give index segments, also for maps inside them", () => {
    const text = "hosts:\n  - a.example\n  - b.example\nservers:\n  - name: one\n    port: 80\n";
    expect(keysOf(text, "keys.yaml")).toEqual({
      "/hosts/0": "a.example",
      "/hosts/1": "b.example",
      "/servers/0/name": "one",
      "/servers/0/port": "80",
    });
  });

  test("numbers print as Go's FormatFloat 'f' -1, booleans as true/false, nulls give no key", () => {
    const text = JSON.stringify({
      int: 42,
      float: 1.5,
      negative: -0.25,
      big: 1e21,
      small: 1e-7,
      yes: true,
      no: false,
      nothing: null,
    });
    expect(keysOf(text, "keys.json")).toEqual({
      "/int": "42",
      "/float": "1.5",
      "/negative": "-0.25",
      "/big": "1000000000000000000000",
      "/small": "0.0000001",
      "/yes": "true",
      "/no": "false",
    });
  });

  test("TOML numbers, booleans and dates become strings", () => {
    const text = "port = 8080\nratio = 0.5\non = true\nday = 1979-05-27\n";
    expect(keysOf(text, "keys.toml")).toEqual({
      "/port": "8080",
      "/ratio": "0.5",
      "/on": "true",
      "/day": "1979-05-27",
    });
  });

  test("keys come sorted, and an empty YAML file has none", () => {
    expect(parseKeyFile("b: 1\na: 2\n", "k.yaml").map(({ key }) => key)).toEqual(["/a", "/b"]);
    expect(parseKeyFile("", "k.yaml")).toEqual([]);
  });
});

describe("key file errors", () => {
  const cases: [string, string, RegExp][] = [
    ["keys.json", '{"a": ', /^\/srv\/keys\.json: JSON Parse error/],
    ["keys.yaml", "a: [1, 2\n", /^\/srv\/keys\.yaml: YAML Parse error/],
    ["keys.toml", 'a = "x"\nb = \n', /^\/srv\/keys\.toml:2:\d+: /],
    ["keys.yaml", "- a\n- b\n", /^\/srv\/keys\.yaml: the top level must be a map of keys$/],
    ["keys.json", '"text"', /^\/srv\/keys\.json: the top level must be a map of keys$/],
    ["keys.ini", "a=b", /^\/srv\/keys\.ini: not a \.json, \.yaml, \.yml or \.toml file$/],
  ];
  for (const [name, text, message] of cases) {
    test(`${name} ${JSON.stringify(text)} is a DiscoveryError naming the file`, () => {
      let caught: unknown;
      try {
        parseKeyFile(text, `/srv/${name}`);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DiscoveryError);
      expect((caught as Error).message).toMatch(message);
    });
  }
});

describe("formatGoFloat and joinKey", () => {
  const floats: [number, string][] = [
    [0, "0"],
    [-0, "-0"],
    [3, "3"],
    [123.456, "123.456"],
    [0.1, "0.1"],
    [1e6, "1000000"],
    [-1.25e-3, "-0.00125"],
    [Number.POSITIVE_INFINITY, "+Inf"],
    [Number.NEGATIVE_INFINITY, "-Inf"],
    [Number.NaN, "NaN"],
  ];
  for (const [value, text] of floats) {
    test(`${value} prints as ${text}`, () => expect(formatGoFloat(value)).toBe(text));
  }

  test("joinKey cleans like path.Join under /", () => {
    expect(joinKey("/", "/apps/web/1")).toBe("/apps/web/1");
    expect(joinKey("/apps", "../..")).toBe("/");
    expect(joinKey("/a", "")).toBe("/a");
  });

  test("a document that is null has no keys", () => {
    expect(flattenKeys(null)).toEqual([]);
  });
});

describe("the line of a YAML error", () => {
  const cases: [string, number | undefined][] = [
    ["apps:\n  web:\n    a: x\n   b: [unclosed\n", 4],
    ['a: "open\n  closed"\nb: ok\nc: [\n', 4],
    ["a: 1\nb:\n  - x\n - y\nc: 2\n", 4],
    ["a: [\n", undefined],
  ];
  for (const [text, line] of cases) {
    test(`${JSON.stringify(text)} fails at line ${line}`, () => {
      expect(yamlErrorLine(text)).toBe(line);
      let message = "";
      try {
        parseKeyFile(text, "/k.yaml");
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toStartWith(line === undefined ? "/k.yaml: YAML" : `/k.yaml:${line}: YAML`);
    });
  }
});
