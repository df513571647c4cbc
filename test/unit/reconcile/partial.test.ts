import { describe, expect, test } from "bun:test";
import { freshLayout } from "../../../src/model/layout.ts";
import { partialUpdate } from "../../../src/reconcile/partial.ts";
import type { Served } from "../../../src/reconcile/types.ts";
import { model, servers } from "../model/servers.ts";

const OPTIONS = { minSpares: 2, spareRatio: 0.25, maxSpares: 1024 };

function servedWith(m: ReturnType<typeof model>): Served {
  const layout = freshLayout(m, OPTIONS);
  return {
    model: m,
    layout,
    text: "",
    fileLayout: layout,
    templateKey: "k",
    seenServices: new Set(),
  };
}

const context = { layoutOptions: OPTIONS, templateKey: () => "k", addOptions: () => "" };

describe("the part of a reload served at once", () => {
  test("membership changes of a service the reload leaves alone, without the new service", () => {
    const served = servedWith(model({ web: servers("web", 1) }));
    const next = model({ api: servers("api", 1), web: servers("web", 2) });
    const prepared = { revision: 7, desired: next, model: next, holds: [] };
    const partial = partialUpdate(served, prepared, new Set(["api", "web"]), context)!;
    expect(partial.plan.kind).toBe("runtime");
    expect(partial.model.services.map((s) => `${s.name}:${s.servers.length}`)).toEqual(["web:2"]);
    expect([...partial.changed!]).toEqual(["web"]);
    expect(partial.revision).toBe(7);
  });

  test("nothing when only the new service changed, or the service's settings changed", () => {
    const served = servedWith(model({ web: servers("web", 1) }));
    const withApi = model({ api: servers("api", 1), web: servers("web", 1) });
    const only = { revision: 7, desired: withApi, model: withApi, holds: [] };
    expect(partialUpdate(served, only, new Set(["api"]), context)).toBeUndefined();
    const rebalanced = model({ web: servers("web", 2) });
    rebalanced.services[0]!.balance = "roundrobin";
    const settings = { revision: 8, desired: rebalanced, model: rebalanced, holds: [] };
    expect(partialUpdate(served, settings, new Set(["web"]), context)).toBeUndefined();
  });

  test("nothing when the template or its settings would change", () => {
    const served = servedWith(model({ web: servers("web", 1) }));
    const next = model({ web: servers("web", 2) });
    const prepared = { revision: 7, desired: next, model: next, holds: [] };
    const other = { ...context, templateKey: () => "other" };
    expect(partialUpdate(served, prepared, new Set(["web"]), other)).toBeUndefined();
  });
});
