// The confd filters through the real Liquid engine, as converted confd templates use them.

import { describe, expect, test } from "bun:test";
import { createDnsCache, type DnsResolver } from "../../../src/confd/dns.ts";
import { CONFD_FILTER_NAMES, usesDnsLookups } from "../../../src/confd/filters.ts";
import { RenderError } from "../../../src/errors.ts";
import { createRenderer } from "../../../src/render/render.ts";

const ENTRIES = [
  { key: "/app/upstream/app2", value: "10.0.0.2:80" },
  { key: "/app/upstream/app10", value: "10.0.0.10:80" },
  { key: "/app/upstream/app1", value: "10.0.0.1:80" },
  { key: "/app/config", value: '{"port": 8080, "ratio": 1000000, "name": "web", "on": true}' },
  { key: "/app/list", value: '["b", "a", 1.5]' },
  { key: "/app/name", value: "web" },
];

const renderer = createRenderer(undefined, {
  env: { HOME_DIR: "/home/x", EMPTY: "" },
  now: () => new Date(Date.UTC(2026, 11, 2, 7, 30, 0)),
});

function render(source: string, variables?: Record<string, unknown>): string {
  return renderer.renderKeys(source, "app.conf.liquid", ENTRIES, variables);
}

describe("confd filters through the Liquid engine", () => {
  const table: [source: string, expected: string][] = [
    ['{{ "/app/name" | getv }}', "web"],
    ['{{ "/app/missing" | getv: "dflt" }}', "dflt"],
    [
      '{% for v in "/app/upstream/*" | getvs %}{{ v }};{% endfor %}',
      "10.0.0.10:80;10.0.0.1:80;10.0.0.2:80;",
    ],
    [
      '{% for kv in "/app/upstream/*" | gets %}{{ kv.Key | base }}={{ kv.Value }};{% endfor %}',
      "app1=10.0.0.1:80;app10=10.0.0.10:80;app2=10.0.0.2:80;",
    ],
    [
      '{% for kv in "/app/upstream/*" | gets %}{{ kv.key }} {% endfor %}',
      "/app/upstream/app1 /app/upstream/app10 /app/upstream/app2 ",
    ],
    ['{% assign p = "/app/name" | get %}{{ p.Key }}={{ p.Value }}', "/app/name=web"],
    ['{{ "/app" | ls | go_join: "," }}', "config,list,name,upstream"],
    ['{{ "/app" | lsdir | go_join: "," }}', "upstream"],
    ['{{ "/app/name" | exists }} {{ "/app" | exists }}', "true false"],
    [
      '{% assign c = "/app/config" | getv | go_json %}{{ c.port | go_value }} {{ c.ratio | go_value }} {{ c.name }}',
      "8080 1e+06 web",
    ],
    [
      '{% assign c = "/app/config" | getv | go_json %}{{ c | go_value }}',
      "map[name:web on:true port:8080 ratio:1e+06]",
    ],
    ['{{ "/app/list" | getv | jsonArray | go_value }}', "[b a 1.5]"],
    ['{% assign m = "a" | go_map: 1, "b", "x" %}{{ m | go_value }}', "map[a:1 b:x]"],
    ['{{ "/app/upstream/app1" | dir }} {{ "/a/b/" | base }}', "/app/upstream b"],
    ['{{ "a,b,,c" | go_split: "," | go_join: "|" }}', "a|b||c"],
    ['{{ "Web" | toUpper }}{{ "Web" | toLower }}', "WEBweb"],
    [
      '{{ "a-b-c" | go_replace: "-", "+", -1 }} {{ "a-b-c" | go_replace: "-", "+", 1 }}',
      "a+b+c a+b-c",
    ],
    ['{{ "haystack" | contains: "st" }} {{ "x.conf" | trimSuffix: ".conf" }}', "true x"],
    ['{{ "hi" | base64Encode }} {{ "aGk=" | base64Decode }}', "aGk= hi"],
    ['{{ "T" | parseBool }}', "true"],
    ['{{ "HOME_DIR" | getenv }}|{{ "EMPTY" | getenv: "d" }}|{{ "UNSET" | getenv }}', "/home/x|d|"],
    ['{{ "/nonexistent/sluice" | fileExists }}', "false"],
    ["{{ nil | datetime | go_value }}", "2026-12-02 07:30:00 +0000 UTC"],
    ['{{ nil | datetime | timeFormat: "2006-01-02" }}', "2026-12-02"],
    [
      '{{ "42" | atoi | add: 1 }} {{ 7 | sub: 2 }} {{ 3 | mul: 4 }} {{ 7 | div: 2 }} {{ 7 | mod: 4 }}',
      "43 5 12 3 3",
    ],
    ["{% for i in 1 | seq: 3 %}{{ i }}{% endfor %}", "123"],
    [
      '{{ "/app/upstream/*" | getvs | go_reverse | go_join: " " }}',
      "10.0.0.2:80 10.0.0.1:80 10.0.0.10:80",
    ],
    [
      '{% assign l = "bb,a,ccc" | go_split: "," | sortByLength %}{{ l | go_join: "," }}',
      "a,bb,ccc",
    ],
    [
      '{% for kv in "/app/*" | gets | sortKVByLength %}{{ kv.Key }} {% endfor %}',
      "/app/list /app/name /app/config ",
    ],
    [
      '{{ "" | and: "x" | go_value }}|{{ "a" | and: "x" }}|{{ "" | or: 0, "z" }}|{{ "" | not }}',
      "|x|z|true",
    ],
    [
      '{{ "b" | eq: "a", "b" }} {{ "a" | ne: "a" }} {{ 1 | lt: 2 }} {{ 2 | le: 1 }} {{ "b" | gt: "a" }} {{ 1 | ge: 1 }}',
      "true false true false true true",
    ],
    ['{{ "héllo" | len }} {{ "/app/upstream/*" | getvs | len }}', "6 3"],
    [
      '{% assign c = "/app/config" | getv | go_json %}{{ c | index: "name" }}|{{ c | index: "nope" | go_value }}',
      "web|<no value>",
    ],
    [
      '{{ "/app/upstream/*" | getvs | go_slice: 1, 2 | go_value }} {{ "hello" | go_slice: 1, 3 }}',
      "[10.0.0.1:80] el",
    ],
    [
      '{{ "a" | print: 1, 2 }}|{{ "%s:%05.1f|%-4d|" | printf: "x", 3.14158, 7 }}|{{ "a" | println: "b" }}',
      "a1 2|x:003.1|7   ||a b\n",
    ],
    [
      '{% assign c = "/app/config" | getv | go_json %}{{ "%v %d" | printf: c.ratio, c.port }}',
      "1e+06 %!d(float64=8080)",
    ],
    ['{{ "<a>" | html }} {{ "it\'s" | js }} {{ "a b" | urlquery }}', "&lt;a&gt; it\\'s a+b"],
    ['{{ 0 | truthy }} {{ "x" | truthy }} {{ nothing | go_value }}', "false true <no value>"],
    [
      '{% for e in "/app/list" | getv | jsonArray | go_range %}{{ e.key }}={{ e.value | go_value }};{% endfor %}',
      "0=b;1=a;2=1.5;",
    ],
    [
      '{% assign c = "/app/config" | getv | go_json %}{% for e in c | go_range %}{{ e.key }} {% endfor %}',
      "name on port ratio ",
    ],
    [
      "{% for e in 3 | go_range %}{{ e.value }}{% endfor %}{% for e in nil | go_range %}x{% endfor %}",
      "012",
    ],
    ['{{ "127.0.0.1" | lookupIP | go_join: "," }}', ""],
    [
      '{% assign c = "/app/config" | getv | go_json %}{% if c.port == 8080 and c.port > 80 and c.ratio >= 1000000 %}y{% endif %}{% if c.port == "8080" %}n{% endif %}',
      "y",
    ],
  ];
  for (const [source, expected] of table) {
    test(source, () => {
      expect(render(source)).toBe(expected);
    });
  }

  test("the variables given to renderKeys are the template's top-level names", () => {
    expect(render("{{ greeting }} {{ n | add: 1 }}", { greeting: "hi", n: 1 })).toBe("hi 2");
  });

  test("a template sees only its own entries", () => {
    expect(renderer.renderKeys('{{ "/app/name" | exists }}', "other", [])).toBe("false");
  });

  test("every filter of the contract is registered", () => {
    const contract =
      "getv getvs get gets ls lsdir exists go_json jsonArray go_map base dir go_split go_join toUpper toLower go_replace contains trimSuffix base64Encode base64Decode parseBool getenv fileExists datetime timeFormat atoi seq add sub mul div mod go_reverse sortByLength sortKVByLength lookupIP lookupIPV4 lookupIPV6 lookupSRV and or not eq ne lt le gt ge len index go_slice print printf println html js urlquery truthy go_value go_range go_fail";
    expect([...CONFD_FILTER_NAMES].sort()).toEqual(contract.split(" ").sort());
  });
});

describe("render errors of confd filters", () => {
  function failure(source: string): string {
    try {
      render(source);
    } catch (error) {
      if (error instanceof RenderError) return error.message;
      throw error;
    }
    throw new Error("expected a RenderError");
  }

  const table: [source: string, expected: string][] = [
    ['a\n{{ "/app/db" | getv }}', "app.conf.liquid:2: key does not exist: /app/db"],
    ['{% assign p = "/nope" | get %}', "app.conf.liquid:1: key does not exist: /nope"],
    [
      '\n\n{{ "x" | parseBool }}',
      'app.conf.liquid:3: error calling parseBool: strconv.ParseBool: parsing "x": invalid syntax',
    ],
    [
      '{{ "x" | atoi }}',
      'app.conf.liquid:1: error calling atoi: strconv.Atoi: parsing "x": invalid syntax',
    ],
    ["{{ 1 | div: 0 }}", "app.conf.liquid:1: error calling div: integer divide by zero"],
    ['{{ "a" | go_map: 1, "b" }}', "app.conf.liquid:1: error calling go_map: invalid map call"],
    ['{{ 1 | eq: "1" }}', "app.conf.liquid:1: error calling eq: incompatible types for comparison"],
    [
      '{{ "/app/name" | getv | go_json }}',
      "app.conf.liquid:1: error calling go_json: invalid JSON",
    ],
    ["{{ 5 | getv }}", "app.conf.liquid:1: wrong type for value; expected string; got int"],
  ];
  for (const [source, expected] of table) {
    test(expected, () => {
      expect(failure(source).startsWith(expected)).toBe(true);
    });
  }
});

describe("renderKeysSettled", () => {
  test("renders again once DNS answers arrive, and stops when they settle", async () => {
    let queries = 0;
    const resolver: DnsResolver = {
      async lookupAddresses(name) {
        queries++;
        if (name !== "db.test") throw new Error("ENOTFOUND");
        return [{ address: "10.1.0.1", family: 4 }];
      },
      async lookupSrv() {
        throw new Error("ENOTFOUND");
      },
    };
    const settled = createRenderer(undefined, { dns: createDnsCache({ resolver }) });
    const source =
      'db {{ "db.test" | lookupIP | go_join: "," }} none {{ "x.test" | lookupIPV4 | go_value }}';
    expect(settled.renderKeys(source, "t", [])).toBe("db  none []");
    expect(await settled.renderKeysSettled(source, "t", [])).toBe("db 10.1.0.1 none []");
    expect(queries).toBe(2);
  });

  test("resolves localhost through the system resolver", async () => {
    const output = await createRenderer().renderKeysSettled(
      '{{ "localhost" | lookupIP | len | gt: 0 }}',
      "t",
      [],
    );
    expect(output).toBe("true");
  });
});

describe("whether a template looks names up in DNS", () => {
  test("a lookup filter does; the word in a comment or a string does not", () => {
    expect(usesDnsLookups('{{ "db.internal" | lookupIP | first }}')).toBe(true);
    expect(usesDnsLookups('{% assign s = "x" |lookupSRV: "tcp", "y" %}')).toBe(true);
    expect(usesDnsLookups("{{ name | lookupIPV6 }}")).toBe(true);
    expect(
      usesDnsLookups("# one lookup however many services\nuse_backend %[req.hdr(host),map(x)]"),
    ).toBe(false);
    expect(usesDnsLookups('{{ "lookupIP" }}')).toBe(false);
  });
});
