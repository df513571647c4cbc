import { describe, expect, test } from "bun:test";
import { renderSettings } from "../../../src/daemon.ts";
import { RenderError } from "../../../src/errors.ts";
import { buildModel, countServers } from "../../../src/model/build.ts";
import type { KeyValue, Model } from "../../../src/model/types.ts";
import { DEFAULT_TEMPLATE } from "../../../src/render/default-template.ts";
import { createRenderer, type RenderSettings } from "../../../src/render/render.ts";
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
  /^ {4}mode http$/,
  /^ {4}option (?:httplog|dontlognull|redispatch|forwardfor|idle-close-on-response)$/,
  /^ {4}retries \d+$/,
  /^ {4}timeout (?:connect|client|server|http-keep-alive) \d+s$/,
  /^ {4}default-server init-addr last,libc,none inter 2s fall 3 rise 2$/,
  /^ {4}bind [0-9.]+:\d+$/,
  new RegExp(
    `^ {4}use_backend (${NAME}) if \\{ hdr\\(host\\),field\\(1,:\\) -i \\1(?: [A-Za-z0-9.-]+)* \\}$`,
  ),
  new RegExp(`^ {4}default_backend ${NAME}$`),
  /^ {4}balance [a-z_-]+$/,
  /^ {4}cookie JSESSIONID prefix nocache$/,
  new RegExp(
    `^ {4}server (${NAME}) (?:\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):\\d{1,5} cookie \\1 check weight \\d{1,3}$`,
  ),
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

  test("writes one server line per accepted server", () => {
    const serverLines = lines.filter((line) => line.startsWith("    server "));
    expect(serverLines).toHaveLength(GOOD.length);
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
    expect(lines).toContain("    server web-4 localhost:8084 cookie web-4 check weight 0");
    expect(lines).toContain("    server web-3 10.0.0.3:8080 cookie web-3 check weight 10");
    expect(lines).toContain(
      "    server web-2.service 10.0.0.2:8080 cookie web-2.service check weight 1",
    );
    expect(lines).toContain("    server api-1 [2001:db8::a]:9000 cookie api-1 check weight 1");
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
    expect(text).toContain(
      "    use_backend web if { hdr(host),field(1,:) -i web www.example.com }\n",
    );
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

describe("confd-style lookups in a user template", () => {
  const webValues = [
    "web-1 10.0.0.1:8080",
    "web-3 10.0.0.3:8080",
    "web-4 localhost:8084",
    "web-2.service 10.0.0.2:8080",
  ];

  test("for over getvs lists accepted servers as name host:port, as confd templates write it", () => {
    const text = renderUser('{% for v in "/apps/web/*" | getvs %}server {{ v }}\n{% endfor %}');
    expect(text).toBe(webValues.map((v) => `server ${v}\n`).join(""));
  });

  test("getvs through assign lists accepted servers in key order, JSON values normalized", () => {
    const text = renderUser(
      '{% assign vs = "/apps/web/*" | getvs %}{% for v in vs %}server {{ v }}\n{% endfor %}',
    );
    expect(text).toBe(webValues.map((v) => `server ${v}\n`).join(""));
  });

  test("getv returns the normalized value, the fallback for rejected or missing keys", () => {
    expect(renderUser('{{ "/apps/web/c" | getv }}')).toBe("web-3 10.0.0.3:8080");
    expect(renderUser('{{ "/apps/api/b" | getv }}')).toBe("b 10.0.1.2:9000");
    expect(renderUser('[{{ "/apps/web/h00" | getv }}]')).toBe("[]");
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
    expect(error.message.startsWith("/etc/sluice/templates/custom.liquid: ")).toBe(true);
    expect(error.message).toContain("for x in");
  });

  test("an unclosed tag throws a RenderError that names the template", () => {
    const error = renderError("{% if true %}never closed");
    expect(error.message.startsWith("/etc/sluice/templates/custom.liquid: ")).toBe(true);
    expect(error.message).toContain("not closed");
  });

  test("an unknown filter throws a RenderError that names the template and the filter", () => {
    const error = renderError('{{ "/apps/web/a" | getval }}');
    expect(error.message.startsWith("/etc/sluice/templates/custom.liquid: ")).toBe(true);
    expect(error.message).toContain("getval");
  });

  test("the error message is a single line", () => {
    expect(renderError("{% if true %}").message).not.toContain("\n");
  });
});
