// [[template]] tables and haproxy.trusted_prefixes: every field, its default, and every error.

import { describe, expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import { requireSomethingToServe } from "../../../src/config/resolve-templates.ts";
import { ConfigError } from "../../../src/errors.ts";

const FILE = "/srv/lb/sluice.toml";

const parse = (text: string) => parseConfigText(text, FILE);

function errorFor(text: string): string {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error(`expected a ConfigError for:\n${text}`);
}

const MINIMAL = '[[template]]\nsrc = "app.liquid"\ndest = "/etc/app.conf"\n';

describe("[[template]]", () => {
  test("a minimal table gets every default; src resolves against the config's directory", () => {
    expect(parse(MINIMAL).templates).toEqual([
      {
        src: "/srv/lb/app.liquid",
        dest: "/etc/app.conf",
        keys: [],
        prefix: "",
        mode: undefined,
        uid: -1,
        gid: -1,
        checkCmd: "",
        reloadCmd: "",
        checkTimeoutMs: 30_000,
        reloadTimeoutMs: 30_000,
      },
    ]);
  });

  test("every field is read", () => {
    const [resource] = parse(
      `${MINIMAL}keys = ["/app", "/db"]\nprefix = "/prod"\nmode = "0600"\nuid = 0\ngid = 12\n` +
        'check_cmd = "test -s {{.src}}"\nreload_cmd = "true"\ncheck_timeout = "2s"\nreload_timeout = "250ms"\n',
    ).templates;
    expect(resource).toEqual({
      src: "/srv/lb/app.liquid",
      dest: "/etc/app.conf",
      keys: ["/app", "/db"],
      prefix: "/prod",
      mode: 0o600,
      uid: 0,
      gid: 12,
      checkCmd: "test -s {{.src}}",
      reloadCmd: "true",
      checkTimeoutMs: 2000,
      reloadTimeoutMs: 250,
    });
  });

  test("several tables keep the file's order; an absolute src stays as written", () => {
    const text = `${MINIMAL}\n[[template]]\nsrc = "/t/b.liquid"\ndest = "/etc/b.conf"\n`;
    expect(parse(text).templates.map((resource) => resource.src)).toEqual([
      "/srv/lb/app.liquid",
      "/t/b.liquid",
    ]);
  });

  test("mode takes three or four octal digits", () => {
    expect(parse(`${MINIMAL}mode = "644"\n`).templates[0]!.mode).toBe(0o644);
    expect(parse(`${MINIMAL}mode = "1777"\n`).templates[0]!.mode).toBe(0o1777);
  });

  const errors: [string, string, string][] = [
    ["mode not octal", `${MINIMAL}mode = "0648"\n`, `${FILE}:4: template.mode: must be an octal`],
    ["mode a number", `${MINIMAL}mode = 644\n`, `${FILE}:4: template.mode: must be a string`],
    ["mode too long", `${MINIMAL}mode = "00644"\n`, "template.mode: must be an octal"],
    ["src missing", '[[template]]\ndest = "/etc/a"\n', `${FILE}:1: template.src: is required`],
    ["dest missing", '[[template]]\nsrc = "a"\n', `${FILE}:1: template.dest: is required`],
    [
      "dest relative",
      '[[template]]\nsrc = "a"\ndest = "a.conf"\n',
      "template.dest: must be an absolute path",
    ],
    [
      "keys not strings",
      `${MINIMAL}keys = [1]\n`,
      `${FILE}:4: template.keys: must be an array of strings`,
    ],
    ["key without /", `${MINIMAL}keys = ["app"]\n`, 'template.keys: "app" must start with "/"'],
    ["prefix without /", `${MINIMAL}prefix = "prod"\n`, 'template.prefix: must start with "/"'],
    ["uid below -1", `${MINIMAL}uid = -2\n`, "template.uid: must be an integer from -1"],
    ["gid not an integer", `${MINIMAL}gid = 1.5\n`, "template.gid: must be an integer from -1"],
    [
      "check_cmd not a string",
      `${MINIMAL}check_cmd = true\n`,
      "template.check_cmd: must be a string",
    ],
    [
      "reload_cmd not a string",
      `${MINIMAL}reload_cmd = 1\n`,
      "template.reload_cmd: must be a string",
    ],
    [
      "check_timeout bad",
      `${MINIMAL}check_timeout = "soon"\n`,
      "template.check_timeout: must be a duration",
    ],
    [
      "reload_timeout bad",
      `${MINIMAL}reload_timeout = "0s"\n`,
      "template.reload_timeout: must be at least 1ms",
    ],
    ["unknown field", `${MINIMAL}owner = "root"\n`, `${FILE}:4: template.owner: unknown field`],
    [
      "a plain table",
      '[template]\nsrc = "a"\n',
      "template: must be an array of tables ([[template]])",
    ],
    [
      "two writers of one dest",
      `${MINIMAL}${MINIMAL}`,
      `${FILE}:6: template.dest: "/etc/app.conf" is written by two templates`,
    ],
  ];
  for (const [what, text, message] of errors) {
    test(`refused: ${what}`, () => {
      expect(errorFor(text)).toContain(message);
    });
  }

  test("the second table's error names its own line", () => {
    const text = `${MINIMAL}\n[[template]]\nsrc = "b"\ndest = "/etc/b"\nmode = "x"\n`;
    expect(errorFor(text)).toStartWith(`${FILE}:8: template.mode:`);
  });
});

describe("haproxy.trusted_prefixes", () => {
  test("defaults to none, and reads the prefixes written", () => {
    expect(parse("[haproxy]\n").haproxy!.trustedPrefixes).toEqual([]);
    expect(
      parse('[haproxy]\ntrusted_prefixes = ["/config/", "/x"]\n').haproxy!.trustedPrefixes,
    ).toEqual(["/config/", "/x"]);
  });

  test("a prefix not starting with / is refused, naming file:line and field", () => {
    expect(errorFor('[haproxy]\ntrusted_prefixes = ["config/"]\n')).toBe(
      `${FILE}:2: haproxy.trusted_prefixes: "config/" must start with "/"`,
    );
  });
});

describe("something to serve", () => {
  test("neither [haproxy] nor [[template]]: the error says what to add", () => {
    expect(() => requireSomethingToServe(parse('[etcd]\nprefix = "/apps/"\n'))).toThrow(
      /^\/srv\/lb\/sluice\.toml: nothing to serve: add a \[haproxy\] section .* \[\[template\]\]/,
    );
  });

  test("[haproxy] alone, or [[template]] alone, is enough", () => {
    expect(() => requireSomethingToServe(parse("[haproxy]\n"))).not.toThrow();
    expect(() => requireSomethingToServe(parse(MINIMAL))).not.toThrow();
  });
});
