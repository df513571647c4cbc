import { describe, expect, test } from "bun:test";
import { freshLayout, updateLayout } from "../../../src/model/layout.ts";
import { renderSettings } from "../../../src/pipeline.ts";
import { addOptionsFrom } from "../../../src/reconcile/add-options.ts";
import { diffLayouts, rendersLayout, sameStructure } from "../../../src/reconcile/layout-ops.ts";
import { DEFAULT_TEMPLATE } from "../../../src/render/default-template.ts";
import { createRenderer } from "../../../src/render/render.ts";
import { model, servers } from "../model/servers.ts";
import { FIXED_HAPROXY } from "../render/fixtures.ts";

const OPTIONS = { minSpares: 2, spareRatio: 0.25, maxSpares: 1024 };
const renderer = createRenderer();

function render(
  source: string,
  m: ReturnType<typeof model>,
  layout: ReturnType<typeof freshLayout>,
) {
  return renderer.render(source, "t", m, renderSettings(FIXED_HAPROXY, m, "t"), layout);
}

describe("rendersLayout", () => {
  test("the default template renders every slot as the layout says", () => {
    const m = model({ web: servers("web", 3) });
    const layout = freshLayout(m, OPTIONS);
    expect(rendersLayout(render(DEFAULT_TEMPLATE, m, layout), layout)).toBe(true);
  });

  test("a confd-style template without spare slots does not", () => {
    const m = model({ web: servers("web", 3) });
    const layout = freshLayout(m, OPTIONS);
    const confd =
      'backend web\n{% for v in "/apps/web/*" | getvs %}    server {{ v }} check\n{% endfor %}';
    expect(rendersLayout(render(confd, m, layout), layout)).toBe(false);
  });

  test("a template that ignores weights does not", () => {
    const weighted = servers("web", 2).map((s) => ({ ...s, weight: 7 }));
    const m = model({ web: weighted });
    const layout = freshLayout(m, OPTIONS);
    const text = render(DEFAULT_TEMPLATE.replace("{{ server.weight }}", "1"), m, layout);
    expect(rendersLayout(text, layout)).toBe(false);
  });
});

describe("diffLayouts", () => {
  test("a new server in a spare slot becomes addr, weight and ready commands", () => {
    const before = model({ web: servers("web", 2) });
    const layout = freshLayout(before, OPTIONS);
    const after = model({ web: servers("web", 3) });
    const next = updateLayout(layout, after, OPTIONS);
    const { ops } = diffLayouts(layout, next);
    expect(ops).toHaveLength(1);
    expect(ops[0]!.commands.at(-1)).toMatch(/^set server web\/\.spare1 state ready$/);
  });
});

describe("servers added at runtime", () => {
  const one = () => model({ web: servers("web", 1) });
  const tight = { ...OPTIONS, minSpares: 0, spareRatio: 0 };

  test("a dynamic slot becomes add server with the options, enable health and ready", () => {
    const layout = freshLayout(one(), tight);
    const next = updateLayout(layout, model({ web: servers("web", 2) }), tight, undefined, true);
    const { ops, reasons } = diffLayouts(layout, next, undefined, () => "check inter 2s");
    expect(reasons).toEqual([]);
    const added = next.get("web")![1]!;
    expect(ops.map((op) => op.commands)).toEqual([
      [
        `add server web/.add1 ${added.server!.address} check inter 2s weight 1`,
        "enable health web/.add1",
        "set server web/.add1 state ready",
      ],
    ]);
    expect(sameStructure(one(), model({ web: servers("web", 2) }), layout, next)).toBe(true);
  });

  test("without options, or for a DNS name, it takes a reload that says why", () => {
    const layout = freshLayout(one(), tight);
    const next = updateLayout(layout, model({ web: servers("web", 2) }), tight, undefined, true);
    expect(diffLayouts(layout, next, undefined, () => undefined).reasons).toEqual([
      "backend web takes no servers at runtime",
    ]);
    const named = servers("web", 2).map((s, i) =>
      i === 1 ? { ...s, host: "web.internal", address: "web.internal:80" } : s,
    );
    const byName = updateLayout(layout, model({ web: named }), tight, undefined, true);
    expect(diffLayouts(layout, byName, undefined, () => "").reasons[0]).toContain(
      "is not an IP address",
    );
  });

  test("a template renders the layout when dynamic slots are left out of the count", () => {
    const layout = freshLayout(one(), tight);
    const next = updateLayout(layout, model({ web: servers("web", 2) }), tight, undefined, true);
    expect(rendersLayout(render(DEFAULT_TEMPLATE, one(), layout), next)).toBe(true);
  });
});

describe("add options", () => {
  test("spell out default-server settings, then the server line's, less what add server refuses", () => {
    const text = [
      "defaults",
      "    default-server init-addr last,libc,none inter 1s fall 2 rise 3",
      "backend web",
      "    cookie JSESSIONID prefix nocache dynamic",
      "    default-server inter 500ms",
      "    server a 10.0.0.1:80 check cookie a weight 2",
      "    server .spare1 0.0.0.0:0 disabled check weight 1",
      "backend other",
      "    server b 10.0.0.2:80 weight 1",
    ].join("\n");
    const options = addOptionsFrom(text);
    expect(options("web")).toBe("inter 1s fall 2 rise 3 inter 500ms check");
    expect(options("other")).toBe("inter 1s fall 2 rise 3");
    expect(options("missing")).toBeUndefined();
  });
});
