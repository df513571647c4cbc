import { describe, expect, test } from "bun:test";
import { freshLayout, type LayoutOptions, updateLayout } from "../../src/model/layout.ts";
import type { Model } from "../../src/model/types.ts";
import { patchServerLines } from "../../src/patch-lines.ts";
import { renderSettings } from "../../src/pipeline.ts";
import { newBindAddresses, parseSections, planConfig, type ServerLine } from "../../src/plan.ts";
import { filterServerState } from "../../src/reconcile/server-state-file.ts";
import { DEFAULT_TEMPLATE } from "../../src/render/default-template.ts";
import { createRenderer } from "../../src/render/render.ts";
import { model, server } from "./model/servers.ts";
import { FIXED_HAPROXY } from "./render/fixtures.ts";

/** A served config shaped like the default template's output. */
const BASE = `# Rendered by sluice at etcd revision 1 from the default template.
global
    maxconn 4096
    stats socket /run/sluice/haproxy.sock mode 600 level admin expose-fd listeners
    server-state-file /var/lib/sluice/haproxy.state

defaults
    mode http
    timeout connect 5s
    load-server-state-from-file global

frontend http-in
    bind 127.0.0.1:8080
    use_backend api if { hdr(host),field(1,:) -i api }
    use_backend web if { hdr(host),field(1,:) -i web }
    default_backend api

backend api
    balance leastconn
    option forwardfor
    cookie JSESSIONID prefix nocache dynamic
    dynamic-cookie-key sluice
    server api-1 10.0.1.1:9000 check weight 1
    server .spare1 0.0.0.0:0 disabled check weight 1

backend web
    balance leastconn
    option forwardfor
    # Persistence: each server's cookie is derived from its address and the key.
    cookie JSESSIONID prefix nocache dynamic
    dynamic-cookie-key sluice
    server web-1 10.0.0.1:8080 check weight 1
    server web-2 10.0.0.2:8080 check weight 1
    server .spare1 0.0.0.0:0 disabled check weight 1
    server .spare2 0.0.0.0:0 disabled check weight 1
`;

/** BASE with `from` replaced by `to`; `from` must occur exactly once. */
function edit(from: string, to: string, text = BASE): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) {
    throw new Error(`"${from}" must occur exactly once`);
  }
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** The runtime commands of a plan, or its kind when it is not a runtime plan. */
function commands(before: string, after: string): string[] | string {
  const plan = planConfig(before, after);
  return plan.kind === "runtime" ? plan.ops.flatMap((op) => op.commands) : plan.kind;
}

function reasons(before: string, after: string): string[] {
  const plan = planConfig(before, after);
  if (plan.kind !== "reload") throw new Error(`expected a reload, got ${JSON.stringify(plan)}`);
  return plan.reasons;
}

describe("planConfig: nothing to do", () => {
  test("identical configs need nothing", () => {
    expect(planConfig(BASE, BASE)).toEqual({ kind: "none" });
  });

  test.each([
    ["the header comment (etcd revision)", "revision 1 from", "revision 99 from"],
    ["an indented comment", "    # Persistence: each", "    # Stickiness: each"],
    [
      "a removed comment line",
      "    # Persistence: each server's cookie is derived from its address and the key.\n",
      "",
    ],
    ["an added comment line", "defaults\n", "defaults\n    # a note\n# another\n"],
    [
      "a trailing comment",
      "    server web-1 10.0.0.1:8080 check weight 1\n",
      "    server web-1 10.0.0.1:8080 check weight 1  # first\n",
    ],
    ["blank lines", "\nbackend web\n", "\n\n\nbackend web\n"],
    [
      "trailing whitespace",
      "    balance leastconn\n    option forwardfor\n    # Persistence",
      "    balance leastconn   \n    option forwardfor\n    # Persistence",
    ],
  ])("configs differing only in %s need nothing", (_what, from, to) => {
    expect(planConfig(BASE, edit(from, to))).toEqual({ kind: "none" });
  });

  test("reordered server lines need nothing", () => {
    const after = edit(
      "    server web-1 10.0.0.1:8080 check weight 1\n    server web-2 10.0.0.2:8080 check weight 1\n    server .spare1 0.0.0.0:0 disabled check weight 1\n",
      "    server .spare1 0.0.0.0:0 disabled check weight 1\n    server web-2 10.0.0.2:8080 check weight 1\n    server web-1 10.0.0.1:8080 check weight 1\n",
    );
    expect(planConfig(BASE, after)).toEqual({ kind: "none" });
  });
});

describe("planConfig: runtime API commands", () => {
  test("a changed address is set with addr and port, through maintenance so checks start over", () => {
    const after = edit("server web-1 10.0.0.1:8080 ", "server web-1 10.0.0.9:8081 ");
    expect(planConfig(BASE, after)).toEqual({
      kind: "runtime",
      ops: [
        {
          backend: "web",
          server: "web-1",
          commands: [
            "set server web/web-1 state maint",
            "set server web/web-1 addr 10.0.0.9 port 8081",
            "set server web/web-1 state ready",
          ],
          why: "address 10.0.0.1:8080 → 10.0.0.9:8081, checks start over",
        },
      ],
    });
  });

  test.each([
    ["[2001:db8::1]:443", "set server web/web-1 addr 2001:db8::1 port 443"],
    ["[::1]:8080", "set server web/web-1 addr ::1 port 8080"],
    ["[::ffff:10.0.0.1]:80", "set server web/web-1 addr ::ffff:10.0.0.1 port 80"],
  ])("an IPv6 address %s is sent without brackets", (address, command) => {
    const after = edit("server web-1 10.0.0.1:8080 ", `server web-1 ${address} `);
    expect(commands(BASE, after)).toEqual([
      "set server web/web-1 state maint",
      command,
      "set server web/web-1 state ready",
    ]);
  });

  test.each([
    [5, "set server web/web-1 weight 5"],
    [0, "set server web/web-1 weight 0"],
    [256, "set server web/web-1 weight 256"],
  ])("a weight changed to %i is set with weight", (weight, command) => {
    const after = edit(
      "server web-1 10.0.0.1:8080 check weight 1",
      `server web-1 10.0.0.1:8080 check weight ${weight}`,
    );
    expect(commands(BASE, after)).toEqual([command]);
  });

  test("enabling a free slot sets addr, then weight, then state ready, in that order", () => {
    const after = edit(
      "server .spare1 0.0.0.0:0 disabled check weight 1\n    server .spare2",
      "server .spare1 10.0.0.3:8080 check weight 4\n    server .spare2",
    );
    const plan = planConfig(BASE, after);
    expect(plan).toEqual({
      kind: "runtime",
      ops: [
        {
          backend: "web",
          server: ".spare1",
          commands: [
            "set server web/.spare1 addr 10.0.0.3 port 8080",
            "set server web/.spare1 weight 4",
            "set server web/.spare1 state ready",
          ],
          why: "address 0.0.0.0:0 → 10.0.0.3:8080, weight 1 → 4, enabled",
        },
      ],
    });
  });

  test("enabling a free slot with the spare's weight needs no weight command", () => {
    const after = edit(
      "server .spare1 0.0.0.0:0 disabled check weight 1\n    server .spare2",
      "server .spare1 10.0.0.3:8080 check weight 1\n    server .spare2",
    );
    expect(commands(BASE, after)).toEqual([
      "set server web/.spare1 addr 10.0.0.3 port 8080",
      "set server web/.spare1 state ready",
    ]);
  });

  test("disabling a server puts it in maintenance before anything else", () => {
    const after = edit(
      "server web-2 10.0.0.2:8080 check weight 1",
      "server web-2 0.0.0.0:0 disabled check weight 1",
    );
    const cmds = commands(BASE, after);
    expect(cmds).toEqual([
      "set server web/web-2 state maint",
      "set server web/web-2 addr 0.0.0.0 port 0",
    ]);
    const plan = planConfig(BASE, after);
    expect(plan.kind === "runtime" && plan.ops[0]?.why).toBe(
      "address 10.0.0.2:8080 → 0.0.0.0:0, disabled",
    );
  });

  test("disabling a weighted server still starts with maintenance", () => {
    const before = edit(
      "server web-2 10.0.0.2:8080 check weight 1",
      "server web-2 10.0.0.2:8080 check weight 7",
    );
    const after = edit(
      "server web-2 10.0.0.2:8080 check weight 1",
      "server web-2 0.0.0.0:0 disabled check weight 1",
    );
    expect(commands(before, after)).toEqual([
      "set server web/web-2 state maint",
      "set server web/web-2 addr 0.0.0.0 port 0",
      "set server web/web-2 weight 1",
    ]);
  });

  test("changes in several backends give one op per changed server, nothing for the rest", () => {
    let after = edit(
      "server api-1 10.0.1.1:9000 check weight 1",
      "server api-1 10.0.1.1:9000 check weight 2",
    );
    after = edit("server web-2 10.0.0.2:8080 ", "server web-2 10.0.0.22:8080 ", after);
    const plan = planConfig(BASE, after);
    expect(
      plan.kind === "runtime" && plan.ops.map((op) => [op.backend, op.server, op.commands]),
    ).toEqual([
      ["api", "api-1", ["set server api/api-1 weight 2"]],
      [
        "web",
        "web-2",
        [
          "set server web/web-2 state maint",
          "set server web/web-2 addr 10.0.0.22 port 8080",
          "set server web/web-2 state ready",
        ],
      ],
    ]);
  });
});

describe("planConfig: reloads", () => {
  test.each([["localhost:8080"], ["web.example.com:8080"], ["db-1.internal.:8080"]])(
    "a server moved to the DNS name %s needs a reload that says so",
    (address) => {
      const after = edit("server web-1 10.0.0.1:8080 ", `server web-1 ${address} `);
      expect(reasons(BASE, after)).toEqual([
        `server web/web-1 address ${address} is not an IP address`,
      ]);
    },
  );

  test("a free slot enabled with a DNS name needs a reload", () => {
    const after = edit(
      "server .spare1 0.0.0.0:0 disabled check weight 1\n    server .spare2",
      "server .spare1 web-3.local:8080 check weight 1\n    server .spare2",
    );
    expect(reasons(BASE, after)).toEqual([
      "server web/.spare1 address web-3.local:8080 is not an IP address",
    ]);
  });

  test.each([
    ["check weight 1", "check inter 5s weight 1"],
    ["check weight 1", "weight 1"],
    ["check weight 1", "check backup weight 1"],
    ["check weight 1", "check cookie web-1 weight 1"],
  ])("another option change on a server line (%s → %s) needs a reload", (from, to) => {
    const after = edit(`server web-1 10.0.0.1:8080 ${from}`, `server web-1 10.0.0.1:8080 ${to}`);
    expect(reasons(BASE, after)).toEqual(["server web/web-1 options changed"]);
  });

  test("an added server line needs a reload naming the server", () => {
    const after = edit(
      "    server .spare2 0.0.0.0:0 disabled check weight 1\n",
      "    server .spare2 0.0.0.0:0 disabled check weight 1\n    server .spare3 0.0.0.0:0 disabled check weight 1\n",
    );
    expect(reasons(BASE, after)).toEqual(["server lines changed in backend web: added .spare3"]);
  });

  test("a removed server line needs a reload naming the server", () => {
    const after = edit("    server web-2 10.0.0.2:8080 check weight 1\n", "");
    expect(reasons(BASE, after)).toEqual(["server lines changed in backend web: removed web-2"]);
  });

  test("a renamed server line is an add and a remove", () => {
    const after = edit("server web-2 10.0.0.2:8080", "server web-9 10.0.0.2:8080");
    expect(reasons(BASE, after)).toEqual([
      "server lines changed in backend web: added web-9; removed web-2",
    ]);
  });

  test("many added servers are listed up to five", () => {
    const extra = [1, 2, 3, 4, 5, 6, 7]
      .map((n) => `    server n${n} 10.0.9.${n}:80 check weight 1\n`)
      .join("");
    const after = edit(
      "    server .spare2 0.0.0.0:0 disabled check weight 1\n",
      `    server .spare2 0.0.0.0:0 disabled check weight 1\n${extra}`,
    );
    expect(reasons(BASE, after)).toEqual([
      "server lines changed in backend web: added n1, n2, n3, n4, n5, …",
    ]);
  });

  test.each([
    ["global", "    maxconn 4096\n", "    maxconn 8192\n", "settings changed in global"],
    [
      "defaults",
      "    timeout connect 5s\n",
      "    timeout connect 6s\n",
      "settings changed in defaults",
    ],
    [
      "a frontend bind",
      "bind 127.0.0.1:8080",
      "bind 127.0.0.1:8081",
      "settings changed in frontend http-in",
    ],
    [
      "a frontend rule",
      "    default_backend api\n",
      "    default_backend web\n",
      "settings changed in frontend http-in",
    ],
    [
      "a backend balance",
      "backend web\n    balance leastconn",
      "backend web\n    balance roundrobin",
      "settings changed in backend web",
    ],
    [
      "the cookie key",
      "dynamic-cookie-key sluice\n    server api-1",
      "dynamic-cookie-key other\n    server api-1",
      "settings changed in backend api",
    ],
    [
      "a new backend",
      "backend web\n",
      "backend shop\n    balance leastconn\n\nbackend web\n",
      "section added: backend shop",
    ],
    [
      "a removed backend",
      "backend api\n    balance leastconn\n    option forwardfor\n    cookie JSESSIONID prefix nocache dynamic\n    dynamic-cookie-key sluice\n    server api-1 10.0.1.1:9000 check weight 1\n    server .spare1 0.0.0.0:0 disabled check weight 1\n",
      "",
      "section removed: backend api",
    ],
  ])("a change of %s needs a reload", (_what, from, to, reason) => {
    expect(reasons(BASE, edit(from, to))).toEqual([reason]);
  });

  test("a line before any section counts as the global part", () => {
    expect(reasons(`    maxconn 1\n${BASE}`, BASE)).toEqual([
      "settings changed in the global part",
    ]);
  });

  test("a structural change wins over runtime-able ones: the plan is a reload", () => {
    let after = edit("server web-1 10.0.0.1:8080 ", "server web-1 10.0.0.9:8080 ");
    after = edit("    maxconn 4096\n", "    maxconn 10\n", after);
    expect(planConfig(BASE, after).kind).toBe("reload");
  });

  test("more than ten reasons are cut to ten and a count of the rest", () => {
    let before = "";
    let after = "";
    for (let i = 0; i < 13; i++) {
      before += `backend b${i}\n    balance leastconn\n`;
      after += `backend b${i}\n    balance roundrobin\n`;
    }
    const list = reasons(before, after);
    expect(list).toHaveLength(11);
    expect(list[0]).toBe("settings changed in backend b0");
    expect(list[10]).toBe("and 3 more");
  });
});

describe("planConfig on rendered configs", () => {
  const OPTIONS: LayoutOptions = { minSpares: 2, spareRatio: 0.25, maxSpares: 1024 };
  const renderer = createRenderer();
  const render = (m: Model, layout: ReturnType<typeof freshLayout>) =>
    renderer.render(
      DEFAULT_TEMPLATE,
      "the default template",
      m,
      renderSettings(FIXED_HAPROXY, m, "the default template"),
      layout,
    );
  const a = server("web", "web-1", "10.0.0.1:8080");
  const b = server("web", "web-2", "10.0.0.2:8080");
  const first = model({ web: [a, b] }, 1);
  const layout = freshLayout(first, OPTIONS);
  const served = render(first, layout);

  test("a new server takes a spare through the runtime API", () => {
    const next = model({ web: [a, b, server("web", "web-3", "10.0.0.3:8080")] }, 2);
    const text = render(next, updateLayout(layout, next, OPTIONS));
    expect(commands(served, text)).toEqual([
      "set server web/.spare1 addr 10.0.0.3 port 8080",
      "set server web/.spare1 state ready",
    ]);
  });

  test("a removed server's slot is put in maintenance through the runtime API", () => {
    const next = model({ web: [b] }, 2);
    const text = render(next, updateLayout(layout, next, OPTIONS));
    expect(text).toContain("    server web-1 0.0.0.0:0 disabled check weight 1\n");
    expect(commands(served, text)).toEqual([
      "set server web/web-1 state maint",
      "set server web/web-1 addr 0.0.0.0 port 0",
    ]);
  });

  test("a drained server gets weight 0 through the runtime API", () => {
    const next = model({ web: [{ ...a, drain: true }, b] }, 2);
    const text = render(next, updateLayout(layout, next, OPTIONS));
    expect(commands(served, text)).toEqual(["set server web/web-1 weight 0"]);
  });

  test("a new etcd revision alone changes nothing", () => {
    const next = model({ web: [a, b] }, 99);
    expect(planConfig(served, render(next, updateLayout(layout, next, OPTIONS)))).toEqual({
      kind: "none",
    });
  });

  test("more new servers than spares need a reload", () => {
    const more = [3, 4, 5].map((n) => server("web", `web-${n}`, `10.0.0.${n}:8080`));
    const next = model({ web: [a, b, ...more] }, 2);
    expect(reasons(served, render(next, updateLayout(layout, next, OPTIONS)))).toEqual([
      "server lines changed in backend web: added .spare3",
    ]);
  });

  test("a new service needs a reload", () => {
    const next = model({ web: [a, b], api: [server("api", "api-1", "10.0.1.1:80")] }, 2);
    const list = reasons(served, render(next, updateLayout(layout, next, OPTIONS)));
    expect(list).toContain("section added: backend api");
  });
});

describe("parseSections", () => {
  test("splits on unindented headers and parses backend server lines by name", () => {
    const sections = parseSections(BASE);
    expect(sections.map((s) => s.header)).toEqual([
      "",
      "global",
      "defaults",
      "frontend http-in",
      "backend api",
      "backend web",
    ]);
    const web = sections.find((s) => s.header === "backend web");
    expect([...(web?.servers.keys() ?? [])]).toEqual(["web-1", "web-2", ".spare1", ".spare2"]);
    expect(web?.servers.get(".spare1")).toEqual({
      address: "0.0.0.0:0",
      weight: 1,
      disabled: true,
      rest: "check",
    });
    expect(web?.lines).toEqual([
      "balance leastconn",
      "option forwardfor",
      "cookie JSESSIONID prefix nocache dynamic",
      "dynamic-cookie-key sluice",
    ]);
  });
});

/** A line of a `show servers state` dump in HAProxy 2.6's format (version 1), weight 1. */
function stateLine(backend: string, name: string, addr: string, port: number): string {
  return `3 ${backend} 1 ${name} ${addr} 2 0 1 1 10 6 3 4 6 0 0 0 - ${port} - 0 0 - - 0`;
}

const STATE_HEADER =
  "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port";

describe("filterServerState", () => {
  const config = `${BASE}
backend v6
    server six [2001:db8::6]:443 check weight 1
`;

  test("keeps the header and lines of servers with the same backend, name and address", () => {
    const kept = [
      stateLine("api", "api-1", "10.0.1.1", 9000),
      stateLine("web", "web-1", "10.0.0.1", 8080),
      stateLine("web", "web-2", "10.0.0.2", 8080),
      stateLine("v6", "six", "2001:db8::6", 443),
    ];
    const state = `${STATE_HEADER}\n${kept.join("\n")}\n`;
    expect(filterServerState(state, config)).toBe(state);
  });

  test.each([
    ["a disabled slot", stateLine("web", ".spare1", "0.0.0.0", 0)],
    ["a changed address", stateLine("web", "web-1", "10.0.0.99", 8080)],
    ["a changed port", stateLine("web", "web-1", "10.0.0.1", 9999)],
    ["a server missing from the config", stateLine("web", "web-7", "10.0.0.7", 8080)],
    ["a server of another backend", stateLine("api", "web-1", "10.0.0.1", 8080)],
    ["a backend missing from the config", stateLine("gone", "web-1", "10.0.0.1", 8080)],
    ["an IPv6 server whose address changed", stateLine("v6", "six", "2001:db8::7", 443)],
  ])("drops %s", (_what, line) => {
    const keep = stateLine("web", "web-2", "10.0.0.2", 8080);
    const state = `${STATE_HEADER}\n${line}\n${keep}\n`;
    expect(filterServerState(state, config)).toBe(`${STATE_HEADER}\n${keep}\n`);
  });

  test("a slot renamed by the reload passes its state to the server now named after it", () => {
    // web-2 sat in .spare3 (the fast path); the reload's config names its slot web-2. Without
    // the rename HAProxy would start it up although it was down.
    const moved = stateLine("web", ".spare3", "10.0.0.2", 8080).replace(
      " 2 0 1 1 10 6 3 4 ",
      " 0 0 1 1 10 8 2 0 ",
    );
    const state = `${STATE_HEADER}\n${stateLine("web", "web-1", "10.0.0.1", 8080)}\n${moved}\n`;
    const renamed = moved.replace(" .spare3 ", " web-2 ");
    expect(filterServerState(state, config)).toBe(
      `${STATE_HEADER}\n${stateLine("web", "web-1", "10.0.0.1", 8080)}\n${renamed}\n`,
    );
  });

  test("a server keeps its own line, and gets no second one from a renamed slot", () => {
    const own = stateLine("web", "web-2", "10.0.0.2", 8080);
    const stray = stateLine("web", ".spare3", "10.0.0.2", 8080);
    const state = `${STATE_HEADER}\n${stray}\n${own}\n`;
    expect(filterServerState(state, config)).toBe(`${STATE_HEADER}\n${own}\n`);
  });

  test("a kept line never restores a weight other than the new config's", () => {
    // web-1 was drained through the runtime API (uweight 0, configured weight 1) and the new
    // config undrains it (weight 1). HAProxy restores uweight from the state file whenever the
    // state's configured weight equals the new one, so a kept line must carry weight 1.
    const drained = `3 web 1 web-1 10.0.0.1 2 0 0 1 10 6 3 4 6 0 0 0 - 8080 - 0 0 - - 0`;
    const kept = filterServerState(`${STATE_HEADER}\n${drained}\n`, config)
      .split("\n")
      .map((line) => line.split(" "))
      .filter((fields) => fields[1] === "web" && fields[3] === "web-1");
    expect(kept.map((fields) => fields[7])).not.toContain("0");
  });

  test("a dump of only the header stays the header", () => {
    expect(filterServerState(`${STATE_HEADER}\n`, config)).toBe(`${STATE_HEADER}\n`);
  });
});

describe("newBindAddresses", () => {
  const frontend = (binds: string[]) =>
    `global\n    maxconn 10\n\nfrontend f\n${binds.map((b) => `    bind ${b}\n`).join("")}`;

  test.each([
    ["*:80", [{ host: "0.0.0.0", port: 80 }]],
    [":80", [{ host: "0.0.0.0", port: 80 }]],
    ["0.0.0.0:80", [{ host: "0.0.0.0", port: 80 }]],
    ["10.1.2.3:8443", [{ host: "10.1.2.3", port: 8443 }]],
    ["[::1]:80", [{ host: "::1", port: 80 }]],
    ["[::]:8080", [{ host: "::", port: 8080 }]],
    ["ipv4@127.0.0.2:81", [{ host: "127.0.0.2", port: 81 }]],
    ["127.0.0.2:82 ssl crt /etc/x.pem", [{ host: "127.0.0.2", port: 82 }]],
    [
      "127.0.0.2:83,[::1]:84,*:85",
      [
        { host: "127.0.0.2", port: 83 },
        { host: "::1", port: 84 },
        { host: "0.0.0.0", port: 85 },
      ],
    ],
  ])("finds the new bind %s", (bind, expected) => {
    const before = frontend(["127.0.0.1:8080"]);
    const after = frontend(["127.0.0.1:8080", bind]);
    expect(newBindAddresses(before, after)).toEqual(expected);
  });

  test.each([["unix@/run/sluice/x.sock"], ["/run/sluice/admin.sock"], ["abns@sluice"], ["fd@3"]])(
    "ignores the non-TCP bind %s",
    (bind) => {
      expect(
        newBindAddresses(frontend(["127.0.0.1:8080"]), frontend(["127.0.0.1:8080", bind])),
      ).toEqual([]);
    },
  );

  test.each([
    ["localhost:8081", 8081],
    [":::8082", 8082],
  ])("finds the new bind %s, a form [haproxy] bind accepts", (bind, port) => {
    // sluice.toml's bind may be any host:port; a new one must be checked before a reload too.
    const found = newBindAddresses(frontend(["127.0.0.1:8080"]), frontend([bind]));
    expect(found.map((address) => address.port)).toEqual([port]);
  });

  test("ignores unchanged binds, in any section and any order", () => {
    const before = `${frontend(["127.0.0.1:8080", "*:80"])}\nfrontend stats\n    bind 127.0.0.1:8888\n`;
    const after = `frontend stats\n    bind 127.0.0.1:8888\n${frontend(["0.0.0.0:80", "127.0.0.1:8080"])}`;
    expect(newBindAddresses(before, after)).toEqual([]);
  });

  test("a bind that moved to another port is new; the old one is not reported", () => {
    expect(newBindAddresses(frontend(["127.0.0.1:8080"]), frontend(["127.0.0.1:8081"]))).toEqual([
      { host: "127.0.0.1", port: 8081 },
    ]);
  });

  test("a config without binds has none", () => {
    expect(newBindAddresses("", BASE)).toEqual([{ host: "127.0.0.1", port: 8080 }]);
    expect(newBindAddresses(BASE, "global\n    maxconn 1\n")).toEqual([]);
  });
});

describe("patchServerLines", () => {
  const config = [
    "# header",
    "backend web",
    "    balance leastconn",
    "    server a 10.0.0.1:80 check weight 1",
    "    server .spare1 0.0.0.0:0 disabled check weight 1",
    "    server .spare2 0.0.0.0:0 disabled check weight 1 # a comment",
    "",
  ].join("\n");

  test("fills a spare slot, frees a server's slot and keeps every other byte", () => {
    const patched = patchServerLines(
      config,
      new Map([
        ["web/.spare1", { address: "10.0.0.2:81", weight: 5, disabled: false, rest: "" }],
        ["web/a", { address: "0.0.0.0:0", weight: 1, disabled: true, rest: "" }],
      ]),
    );
    expect(patched).toBe(
      [
        "# header",
        "backend web",
        "    balance leastconn",
        "    server a 0.0.0.0:0 disabled check weight 1",
        "    server .spare1 10.0.0.2:81 check weight 5",
        "    server .spare2 0.0.0.0:0 disabled check weight 1 # a comment",
        "",
      ].join("\n"),
    );
    // What the planner reads from the patched file is exactly the change.
    const plan = planConfig(config, patched!);
    expect(plan.kind).toBe("runtime");
  });

  test("keeps a trailing comment and adds a weight where the line had none", () => {
    const patched = patchServerLines(
      config,
      new Map([["web/.spare2", { address: "[::1]:8080", weight: 2, disabled: false, rest: "" }]]),
    );
    expect(patched).toContain("    server .spare2 [::1]:8080 check weight 2 # a comment\n");
    const bare = "backend b\n    server s 1.2.3.4:5\n";
    expect(
      patchServerLines(
        bare,
        new Map([["b/s", { address: "1.2.3.4:6", weight: 3, disabled: false, rest: "" }]]),
      ),
    ).toBe("backend b\n    server s 1.2.3.4:6 weight 3\n");
  });

  test("gives up when a named server has no line", () => {
    expect(
      patchServerLines(
        config,
        new Map([["web/missing", { address: "1.2.3.4:5", weight: 1, disabled: false, rest: "" }]]),
      ),
    ).toBeUndefined();
    expect(
      patchServerLines(
        config,
        new Map([["api/a", { address: "1.2.3.4:5", weight: 1, disabled: false, rest: "" }]]),
      ),
    ).toBeUndefined();
  });

  test("reads only the named backend's section: a name that begins another's, listen, comments", () => {
    const text = [
      "backend svc5",
      "    server a 10.0.0.1:80 weight 1",
      "# a comment at the margin does not end the section",
      "    server b 10.0.0.2:80 weight 1",
      "backend svc50",
      "    server a 10.0.5.1:80 weight 1",
      "listen stats",
      "    server a 10.0.9.1:80 weight 1",
      "",
    ].join("\n");
    const line = (address: string) => ({ address, weight: 2, disabled: false, rest: "" });
    const patched = patchServerLines(
      text,
      new Map([
        ["svc5/b", line("10.1.0.2:80")],
        ["svc50/a", line("10.1.5.1:80")],
        ["stats/a", line("10.1.9.1:80")],
      ]),
    );
    expect(patched).toBe(
      text
        .replace("server b 10.0.0.2:80 weight 1", "server b 10.1.0.2:80 weight 2")
        .replace("server a 10.0.5.1:80 weight 1", "server a 10.1.5.1:80 weight 2")
        .replace("server a 10.0.9.1:80 weight 1", "server a 10.1.9.1:80 weight 2"),
    );
    // svc5's `a` is not svc50's, and a server of the next section is not this one's.
    expect(patchServerLines(text, new Map([["svc50/b", line("1.1.1.1:1")]]))).toBeUndefined();
    const twice = "backend b\n    server s 1.2.3.4:5\n    server s 1.2.3.4:6\n";
    expect(patchServerLines(twice, new Map([["b/s", line("1.1.1.1:1")]]))).toBeUndefined();
  });

  test("random changes: the planner reads exactly them from the patched text, nothing else moves", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const lines = ["global", "    maxconn 100", ""];
    for (let b = 0; b < 20; b++) {
      lines.push(`backend b${b}`, "    balance roundrobin");
      for (let s = 0; s < 30; s++) {
        lines.push(
          s % 3 === 0
            ? `    server .spare${s} 0.0.0.0:0 disabled check weight 1`
            : `    server s${s} 10.0.${b}.${s}:80 check weight 1${s % 7 === 0 ? " # kept" : ""}`,
        );
      }
    }
    const text = `${lines.join("\n")}\n`;
    for (let round = 0; round < 50; round++) {
      const changes = new Map<string, ServerLine>();
      for (let n = 0; n < 1 + Math.floor(random() * 8); n++) {
        const b = Math.floor(random() * 20);
        const s = Math.floor(random() * 30);
        const name = s % 3 === 0 ? `.spare${s}` : `s${s}`;
        const disabled = random() < 0.3;
        const address = disabled ? "0.0.0.0:0" : `10.9.${b}.${s}:${8000 + round}`;
        changes.set(`b${b}/${name}`, { address, weight: 1 + (round % 5), disabled, rest: "check" });
      }
      const patched = patchServerLines(text, changes)!;
      expect(patched.split("\n").length).toBe(text.split("\n").length);
      const sections = new Map(parseSections(patched).map((section) => [section.header, section]));
      for (const [id, want] of changes) {
        const [backend, name] = id.split("/") as [string, string];
        expect(sections.get(`backend ${backend}`)!.servers.get(name)).toEqual(want);
      }
      const before = text.split("\n");
      const differing = patched.split("\n").filter((line, i) => line !== before[i]);
      expect(differing.length).toBeLessThanOrEqual(changes.size);
    }
  });
});
