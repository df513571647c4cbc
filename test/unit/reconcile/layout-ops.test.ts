import { describe, expect, test } from "bun:test";
import { freshLayout, updateLayout } from "../../../src/model/layout.ts";
import { renderSettings } from "../../../src/pipeline.ts";
import { diffLayouts, rendersLayout } from "../../../src/reconcile/layout-ops.ts";
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
