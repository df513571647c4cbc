import { describe, expect, test } from "bun:test";
import { RenderError } from "../../../src/errors.ts";
import { buildModel, countServers } from "../../../src/model/build.ts";
import { freshLayout, type Layout, updateLayout } from "../../../src/model/layout.ts";
import type { KeyValue, Model } from "../../../src/model/types.ts";
import { renderSettings } from "../../../src/pipeline.ts";
import { DEFAULT_TEMPLATE } from "../../../src/render/default-template.ts";
import { embeddedFiles } from "../../../src/render/embedded-files.ts";
import { createRenderer, DEFAULT_LAYOUT, type RenderSettings } from "../../../src/render/render.ts";
import { HOSTILE_KEYS, HOSTILE_VALUES } from "../model/hostile-values.ts";
import { checkText, FIXED_HAPROXY } from "./fixtures.ts";

const TEMPLATE_NAME = "the default template";

/** Registrations that must all be accepted: every value form, IPv6, DNS, weight, drain. */
const GOOD: KeyValue[] = [
  { key: "/apps/web/a", value: "web-1 10.0.0.1:8080" },
  { key: "/apps/web/web@2.service", value: "10.0.0.2:8080" },
  { key: "/apps/web/c", value: '{"addr":"10.0.0.3:8080","name":"web-3","weight":10}' },
  {
    key: "/apps/web/d",
    value: '{"addr":"localhost:8084","name":"web-4","drain":true,"meta":{"x":"\\nbind :6666"}}',
  },
  { key: "/apps/api/a", value: "api-1 [2001:db8::a]:9000" },
  { key: "/apps/api/b", value: '{"addr":"10.0.1.2:9000"}' },
  { key: "/apps/stupid_server/stupid-server@1.service", value: "stupid-server-1 10.10.10.10:9000" },
];

/** Every hostile value, each at its own key in service `web`, plus every hostile key. */
const HOSTILE: KeyValue[] = [
  ...HOSTILE_VALUES.map((hostile, index) => ({
    key: `/apps/web/h${String(index).padStart(2, "0")}`,
    value: hostile.value,
  })),
  ...HOSTILE_KEYS.map((hostile) => ({ key: hostile.key, value: hostile.value })),
];

const FRAGMENTS: string[] = [
  ...HOSTILE_VALUES.flatMap((hostile) => (hostile.fragment ? [hostile.fragment] : [])),
  ...HOSTILE_KEYS.map((hostile) => hostile.fragment),
  "6666",
  "1.2.3.4",
];

function mixedModel(): Model {
  return buildModel([...HOSTILE, ...GOOD], { prefix: "/apps/", revision: 7 });
}

function renderDefault(model: Model): string {
  return createRenderer().render(
    DEFAULT_TEMPLATE,
    TEMPLATE_NAME,
    model,
    renderSettings(FIXED_HAPROXY, model, TEMPLATE_NAME),
  );
}

const NAME = "[A-Za-z0-9._-]{1,64}";
/** A server name as the model accepts it: never starting with `.`, so never a spare's name. */
const SERVER_NAME = "[A-Za-z0-9_][A-Za-z0-9._-]{0,63}";
/** A server line for an accepted server: a real port (1-65535), never `disabled`, no `cookie`. */
const SERVER_LINE = new RegExp(
  `^ {4}server ${SERVER_NAME} (?:\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[1-9]\\d{0,4} check weight (?:\\d|[1-9]\\d|1\\d\\d|2[0-4]\\d|25[0-6])$`,
);
/** A free slot: exactly this, nothing else. */
const SPARE_LINE = /^ {4}server \.spare[1-9]\d* 0\.0\.0\.0:0 disabled check weight 1$/;

/** The only line shapes the default template may produce. */
const ALLOWED_LINES: RegExp[] = [
  /^$/,
  /^(?: {4})?# [ -~]*$/,
  /^(?:global|defaults)$/,
  new RegExp(`^(?:frontend|backend) ${NAME}$`),
  /^ {4}log (?:stderr format raw local0 notice|global)$/,
  /^ {4}maxconn \d+$/,
  /^ {4}stats socket \/[\w/.-]+ mode 600 level admin expose-fd listeners$/,
  /^ {4}stats (?:timeout \d+s|enable|uri \/)$/,
  /^ {4}hard-stop-after \d+ms$/,
  /^ {4}mworker-max-reloads \d+$/,
  /^ {4}server-state-file \/[\w/.-]+$/,
  /^ {4}mode http$/,
  /^ {4}option (?:httplog|dontlognull|redispatch|forwardfor|idle-close-on-response)$/,
  /^ {4}retries \d+$/,
  /^ {4}timeout (?:connect|client|server|http-keep-alive|check) \d+m?s$/,
  /^ {4}load-server-state-from-file global$/,
  /^ {4}default-server init-addr last,libc,none(?: inter \d+m?s fall \d+ rise \d+)?$/,
  /^ {4}default-server inter \d+m?s fall \d+ rise \d+$/,
  /^ {4}spread-checks \d+$/,
  /^ {4}option httpchk$/,
  /^ {4}http-check send meth GET uri \/[A-Za-z0-9._~%/?&=+,;:@!*()-]*(?: ver HTTP\/1\.1 hdr Host [A-Za-z0-9.:-]+)?$/,
  /^ {4}http-check expect status [1-5]\d\d(?:-[1-5]\d\d)?$/,
  /^ {4}bind [0-9.]+:\d+$/,
  /^ {4}use_backend %\[req\.hdr\(host\),field\(1,:\),lower,map_str\(\/[\w/.-]+\/hosts\.map\)\]$/,
  // The lines of hosts.map: a Host in lower case and its backend.
  new RegExp(`^#\\| [a-z0-9._-]{1,64} ${NAME}$`),
  new RegExp(`^ {4}default_backend ${NAME}$`),
  /^ {4}balance [a-z_-]+$/,
  /^ {4}cookie JSESSIONID prefix nocache dynamic$/,
  /^ {4}dynamic-cookie-key [A-Za-z0-9._-]{1,64}$/,
  SERVER_LINE,
  SPARE_LINE,
];

const SETTINGS: RenderSettings = { template: "user", haproxy: {}, defaultService: "" };

function renderUser(source: string, model: Model = mixedModel(), name = "user.liquid"): string {
  return createRenderer().render(source, name, model, SETTINGS);
}

describe("rendering the default template from good and hostile registrations", () => {
  const model = mixedModel();
  const text = renderDefault(model);
  const lines = text.split("\n");

  test("accepts every good registration and rejects every hostile one", () => {
    expect(countServers(model)).toBe(GOOD.length);
    expect(model.rejected).toHaveLength(HOSTILE.length);
  });

  test("no hostile payload reaches haproxy.cfg", () => {
    for (const fragment of FRAGMENTS) {
      expect({ fragment, found: text.includes(fragment) }).toEqual({ fragment, found: false });
    }
  });

  test("writes one server line per accepted server, besides the free slots", () => {
    const serverLines = lines.filter((line) => line.startsWith("    server "));
    const spares = serverLines.filter((line) => SPARE_LINE.test(line));
    const servers = serverLines.filter((line) => !SPARE_LINE.test(line));
    expect(servers).toHaveLength(GOOD.length);
    expect(servers.every((line) => SERVER_LINE.test(line))).toBe(true);
    // Each address of an accepted server appears on exactly one line.
    const addresses = servers.map((line) => line.split(" ")[6]);
    expect(new Set(addresses).size).toBe(GOOD.length);
    // Three backends, each with the default 8 free slots (25 % of at most 4 servers is less).
    expect(spares).toHaveLength(3 * 8);
  });

  test("each backend lists its servers first, then its free slots .spare1 to .spare8", () => {
    for (const section of text.split(/^backend /m).slice(1)) {
      const names = [...section.matchAll(/^ {4}server (\S+) /gm)].map((m) => m[1]!);
      const spares = names.filter((name) => name.startsWith("."));
      expect(spares).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => `.spare${n}`));
      expect(names.slice(names.length - spares.length)).toEqual(spares);
    }
  });

  test("persistence uses dynamic cookies: a key per backend and no fixed cookie on any server", () => {
    const sections = text.split(/^backend /m).slice(1);
    expect(sections).toHaveLength(3);
    for (const section of sections) {
      expect(section).toContain("\n    cookie JSESSIONID prefix nocache dynamic\n");
      expect(section).toContain("\n    dynamic-cookie-key sluice\n");
    }
    const serverLines = lines.filter((line) => line.trimStart().startsWith("server "));
    expect(serverLines.filter((line) => / cookie /.test(line))).toEqual([]);
  });

  test("every line has a shape the template is known to produce", () => {
    const unexpected = lines.filter((line) => !ALLOWED_LINES.some((shape) => shape.test(line)));
    expect(unexpected).toEqual([]);
  });

  test("no line starts with a keyword the template does not use", () => {
    const keywords = new Set(
      lines
        .filter((line) => line.trim() !== "" && !line.trim().startsWith("#"))
        .map((line) => line.trim().split(" ")[0]),
    );
    expect([...keywords].sort()).toEqual(
      [
        "backend",
        "balance",
        "bind",
        "cookie",
        "default-server",
        "dynamic-cookie-key",
        "load-server-state-from-file",
        "mworker-max-reloads",
        "server-state-file",
        "default_backend",
        "defaults",
        "frontend",
        "global",
        "hard-stop-after",
        "log",
        "maxconn",
        "mode",
        "option",
        "retries",
        "server",
        "stats",
        "timeout",
        "use_backend",
      ].sort(),
    );
  });

  test("renders drained servers with weight 0 and weighted ones with their weight", () => {
    expect(lines).toContain("    server web-4 localhost:8084 check weight 0");
    expect(lines).toContain("    server web-3 10.0.0.3:8080 check weight 10");
    expect(lines).toContain("    server web-2.service 10.0.0.2:8080 check weight 1");
    expect(lines).toContain("    server api-1 [2001:db8::a]:9000 check weight 1");
  });

  test("HAProxy 2.6 accepts the rendered configuration", () => {
    const outcome = checkText(text);
    expect(outcome.output).toContain("Configuration file is valid");
    expect(outcome.exitCode).toBe(0);
  });
});

describe("rendering the default template", () => {
  test("routes configured hostnames and the default service", () => {
    const model = buildModel([{ key: "/apps/web/a", value: "web-1 10.0.0.1:80" }], {
      prefix: "/apps/",
      revision: 1,
      overrides: [
        { name: "web", balance: "roundrobin", hostnames: ["www.example.com"] },
        { name: "api", balance: "leastconn", hostnames: [] },
      ],
    });
    const text = createRenderer().render(
      DEFAULT_TEMPLATE,
      TEMPLATE_NAME,
      model,
      renderSettings({ ...FIXED_HAPROXY, defaultService: "web" }, model, TEMPLATE_NAME),
    );
    expect(embeddedFiles(text)).toEqual([
      { name: "hosts.map", content: "api api\nweb web\nwww.example.com web\n" },
    ]);
    expect(text).toContain("    default_backend web\n");
    expect(text).toContain("backend web\n    balance roundrobin\n");
    expect(text).toContain("backend api\n    balance leastconn\n");
  });

  test("without services there is no default_backend and HAProxy still accepts the config", () => {
    const model = buildModel([], { prefix: "/apps/", revision: 0 });
    const text = renderDefault(model);
    expect(text).not.toContain("default_backend");
    expect(text).not.toContain("\nbackend ");
    expect(checkText(text).exitCode).toBe(0);
  });

  test("a service name starting with '-' cannot make HAProxy reject the whole config", () => {
    // An ACL pattern beginning with '-' is read as an option by HAProxy; one such etcd key must
    // not freeze every other service on the last good config.
    const model = buildModel(
      [
        { key: "/apps/-f/x", value: "x 10.0.0.1:80" },
        { key: "/apps/web/a", value: "web-1 10.0.0.2:80" },
      ],
      { prefix: "/apps/", revision: 1 },
    );
    const outcome = checkText(renderDefault(model));
    expect(outcome.output).not.toContain("ALERT");
    expect(outcome.exitCode).toBe(0);
  });
});

describe("rendering the default template with server slots", () => {
  const OPTIONS = { minSpares: 3, spareRatio: 0.25, maxSpares: 1024 };
  const kvs = (names: string[]): KeyValue[] =>
    names.map((name, i) => ({ key: `/apps/web/${name}`, value: `${name} 10.0.0.${i + 1}:80` }));
  const build = (names: string[], revision = 1) =>
    buildModel(kvs(names), { prefix: "/apps/", revision });
  const render = (model: Model, layout: Layout, haproxy = FIXED_HAPROXY) =>
    createRenderer().render(
      DEFAULT_TEMPLATE,
      TEMPLATE_NAME,
      model,
      renderSettings(haproxy, model, TEMPLATE_NAME),
      layout,
    );
  const serverLines = (text: string) =>
    text.split("\n").filter((line) => line.startsWith("    server "));

  test("without a layout, every backend gets the default layout's eight spares", () => {
    const lines = serverLines(renderDefault(build(["a", "b"])));
    expect(lines.filter((line) => SPARE_LINE.test(line))).toHaveLength(DEFAULT_LAYOUT.minSpares);
  });

  test("a fresh layout's spare count follows the options: at least minSpares, 25 % of 40 is 10", () => {
    const names = Array.from({ length: 40 }, (_, i) => `s${i + 1}`);
    const model = buildModel(
      names.map((name, i) => ({
        key: `/apps/web/${name}`,
        value: `${name} 10.0.${Math.floor(i / 200)}.${(i % 200) + 1}:80`,
      })),
      { prefix: "/apps/", revision: 1 },
    );
    const lines = serverLines(render(model, freshLayout(model, OPTIONS)));
    expect(lines.filter((line) => SPARE_LINE.test(line))).toHaveLength(10);
    expect(lines.filter((line) => SERVER_LINE.test(line))).toHaveLength(40);
  });

  test("a new server renders in the slot the layout gave it, a freed slot as a disabled line", () => {
    const first = build(["a", "b", "c"]);
    const next = buildModel(
      [
        ...kvs(["a", "b", "c"]).filter((kv) => !kv.key.endsWith("/b")),
        { key: "/apps/web/d", value: "d 10.0.0.4:80" },
      ],
      { prefix: "/apps/", revision: 2 },
    );
    const text = render(next, updateLayout(freshLayout(first, OPTIONS), next, OPTIONS));
    expect(serverLines(text)).toEqual([
      "    server a 10.0.0.1:80 check weight 1",
      "    server c 10.0.0.3:80 check weight 1",
      "    server .spare1 10.0.0.4:80 check weight 1",
      "    server b 0.0.0.0:0 disabled check weight 1",
      "    server .spare2 0.0.0.0:0 disabled check weight 1",
      "    server .spare3 0.0.0.0:0 disabled check weight 1",
    ]);
    const outcome = checkText(text);
    expect(outcome.output).not.toContain("ALERT");
    expect(outcome.exitCode).toBe(0);
  });

  test("cookie_key, max_old_workers and the state file come from the settings", () => {
    const model = build(["a"]);
    const text = render(model, freshLayout(model, OPTIONS), {
      ...FIXED_HAPROXY,
      cookieKey: "k3y-2",
      maxOldWorkers: 7,
      config: "/srv/lb/haproxy.cfg",
    });
    expect(text).toContain("\n    dynamic-cookie-key k3y-2\n");
    expect(text).toContain("\n    mworker-max-reloads 7\n");
    expect(text).toContain("\n    server-state-file /srv/lb/haproxy.state\n");
    expect(text).toContain("\n    load-server-state-from-file global\n");
  });

  test("in sf mode there is no mworker-max-reloads, and HAProxy accepts the config", () => {
    const model = build(["a"]);
    const text = render(model, freshLayout(model, OPTIONS), { ...FIXED_HAPROXY, reload: "sf" });
    expect(text).not.toContain("mworker-max-reloads");
    expect(checkText(text).exitCode).toBe(0);
  });
});

describe("confd-style lookups in a user template", () => {
  /** The accepted values of service web, sorted by value as confd's getvs sorts them. */
  const webValues = [
    "web-1 10.0.0.1:8080",
    "web-2.service 10.0.0.2:8080",
    "web-3 10.0.0.3:8080",
    "web-4 localhost:8084",
  ];

  test("for over getvs lists accepted servers as name host:port, as confd templates write it", () => {
    const text = renderUser('{% for v in "/apps/web/*" | getvs %}server {{ v }}\n{% endfor %}');
    expect(text).toBe(webValues.map((v) => `server ${v}\n`).join(""));
  });

  test("getvs through assign lists accepted servers sorted by value, JSON values normalized", () => {
    const text = renderUser(
      '{% assign vs = "/apps/web/*" | getvs %}{% for v in vs %}server {{ v }}\n{% endfor %}',
    );
    expect(text).toBe(webValues.map((v) => `server ${v}\n`).join(""));
  });

  test("getv returns the normalized value, the fallback for rejected or missing keys", () => {
    expect(renderUser('{{ "/apps/web/c" | getv }}')).toBe("web-3 10.0.0.3:8080");
    expect(renderUser('{{ "/apps/api/b" | getv }}')).toBe("b 10.0.1.2:9000");
    expect(() => renderUser('[{{ "/apps/web/h00" | getv }}]')).toThrow(
      "key does not exist: /apps/web/h00",
    );
    expect(renderUser('{{ "/apps/web/h00" | getv: "none" }}')).toBe("none");
    expect(renderUser('{{ "/apps/nothing/here" | getv: "none" }}')).toBe("none");
  });

  test("gets gives keys and values of accepted keys only", () => {
    const text = renderUser(
      '{% assign kvs = "/apps/api/*" | gets %}{% for kv in kvs %}{{ kv.key }}={{ kv.value }};{% endfor %}',
    );
    expect(text).toBe("/apps/api/a=api-1 [2001:db8::a]:9000;/apps/api/b=b 10.0.1.2:9000;");
  });

  test("ls lists services under the prefix, and instances of a service", () => {
    expect(renderUser('{{ "/apps" | ls | join: "," }}')).toBe("api,stupid_server,web");
    expect(renderUser('{{ "/apps/web/" | ls | join: "," }}')).toBe("a,c,d,web@2.service");
  });

  test("exists is true for accepted keys and false for rejected or missing ones", () => {
    const source =
      '{% if "/apps/web/a" | exists %}yes{% else %}no{% endif %} {% if "/apps/web/h00" | exists %}yes{% else %}no{% endif %} {% if "/apps/zzz/a" | exists %}yes{% else %}no{% endif %}';
    expect(renderUser(source)).toBe("yes no no");
  });

  test("a key with a line break never reaches a template through gets or ls", () => {
    const model = buildModel(
      [
        { key: "/apps/web/a", value: "web-1 10.0.0.1:80" },
        { key: "/apps/web/x\nbind :1", value: "evil 10.0.0.9:80" },
      ],
      { prefix: "/apps/", revision: 1 },
    );
    const text = renderUser(
      '{% assign kvs = "/apps/web/*" | gets %}{% for kv in kvs %}{{ kv.key }}\n{% endfor %}{% assign names = "/apps/web" | ls %}{% for n in names %}{{ n }}\n{% endfor %}',
      model,
    );
    expect(text.split("\n")).not.toContain("bind :1");
  });

  test("lookups see the model of the current render, not an earlier one", () => {
    const renderer = createRenderer();
    const source = '{{ "/apps/web/*" | getvs | join: "," }}';
    const first = buildModel([{ key: "/apps/web/a", value: "one 10.0.0.1:80" }], {
      prefix: "/apps/",
      revision: 1,
    });
    const second = buildModel([{ key: "/apps/web/b", value: "two 10.0.0.2:80" }], {
      prefix: "/apps/",
      revision: 2,
    });
    expect(renderer.render(source, "t", first, SETTINGS)).toBe("one 10.0.0.1:80");
    expect(renderer.render(source, "t", second, SETTINGS)).toBe("two 10.0.0.2:80");
  });

  test("one renderer renders each template it is given, not a cached earlier one", () => {
    const renderer = createRenderer();
    const model = buildModel([], { prefix: "/apps/", revision: 5 });
    expect(renderer.render("A{{ revision }}", "a", model, SETTINGS)).toBe("A5");
    expect(renderer.render("B{{ revision }}", "b", model, SETTINGS)).toBe("B5");
    expect(renderer.render("A{{ revision }}", "a", model, SETTINGS)).toBe("A5");
  });
});

describe("raw entries of trusted prefixes", () => {
  const model = buildModel([{ key: "/apps/web/a", value: "web-1 10.0.0.1:80" }], {
    prefix: "/apps/",
    revision: 1,
  });
  const settings: RenderSettings = {
    ...SETTINGS,
    rawEntries: [
      { key: "/config/maxconn", value: "2000" },
      { key: "/apps/web/a", value: '{"addr":"10.9.9.9:80"}' },
    ],
  };

  test("the main template's lookups see raw entries besides the registrations", () => {
    const source = '{{ "/config/maxconn" | getv }} {{ "/config" | ls | go_join: "," }}';
    expect(createRenderer().render(source, "t", model, settings)).toBe("2000 maxconn");
  });

  test("a registration's key keeps the registration's value", () => {
    const source = '{{ "/apps/web/a" | getv }}';
    expect(createRenderer().render(source, "t", model, settings)).toBe("web-1 10.0.0.1:80");
  });

  test("without raw entries, keys outside the registrations do not exist", () => {
    const source = '{{ "/config/maxconn" | exists }}';
    expect(createRenderer().render(source, "t", model, SETTINGS)).toBe("false");
  });
});

describe("template errors", () => {
  const model = buildModel([], { prefix: "/apps/", revision: 1 });

  function renderError(source: string): RenderError {
    try {
      createRenderer().render(source, "/etc/sluice/templates/custom.liquid", model, SETTINGS);
    } catch (error) {
      if (error instanceof RenderError) return error;
      throw error;
    }
    throw new Error("expected a RenderError");
  }

  test("a syntax error throws a RenderError that names the template", () => {
    const error = renderError("{% for x in %}{% endfor %}");
    expect(error.code).toBe("render");
    expect(error.message.startsWith("/etc/sluice/templates/custom.liquid:1: ")).toBe(true);
    expect(error.message).toContain("for x in");
  });

  test("an unclosed tag throws a RenderError that names the template", () => {
    const error = renderError("a\n{% if true %}never closed");
    expect(error.message.startsWith("/etc/sluice/templates/custom.liquid:2: ")).toBe(true);
    expect(error.message).toContain("not closed");
  });

  test("an unknown filter throws a RenderError that names the template and the filter", () => {
    const error = renderError('{{ "/apps/web/a" | getval }}');
    expect(error.message.startsWith("/etc/sluice/templates/custom.liquid:1: ")).toBe(true);
    expect(error.message).toContain("getval");
  });

  test("a filter's error names the template, the line and the key, in the filter's words", () => {
    const error = renderError('line 1\nline 2\n{{ "/app/db" | getv }}\n');
    expect(error.message).toBe(
      "/etc/sluice/templates/custom.liquid:3: key does not exist: /app/db",
    );
  });

  test("an error inside a loop names the line of the failing filter", () => {
    const source = "{% for i in (1..2) %}\n{{ i }}\n{{ i | div: 0 }}\n{% endfor %}";
    expect(renderError(source).message).toBe(
      "/etc/sluice/templates/custom.liquid:3: error calling div: integer divide by zero",
    );
  });

  test("an error in a filtered for keeps the line of its tag", () => {
    const source = 'a\nb\n{% for v in "/apps/[" | getvs %}{{ v }}{% endfor %}';
    expect(renderError(source).message).toBe(
      "/etc/sluice/templates/custom.liquid:3: syntax error in pattern: /apps/[",
    );
  });

  test("the error message is a single line", () => {
    expect(renderError("{% if true %}").message).not.toContain("\n");
  });
});
