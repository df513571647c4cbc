// The reconciler's decisions: for pairs of served and desired states, the runtime commands or the
// reload (and its reason) that the next apply would use.

import { describe, expect, test } from "bun:test";
import { buildModel } from "../../../src/model/build.ts";
import { freshLayout, type Layout } from "../../../src/model/layout.ts";
import type { KeyValue, Model } from "../../../src/model/types.ts";
import { renderSettings } from "../../../src/pipeline.ts";
import { type PrepareContext, prepareApply } from "../../../src/reconcile/prepare.ts";
import type { FastPathState, Served } from "../../../src/reconcile/types.ts";
import { DEFAULT_TEMPLATE } from "../../../src/render/default-template.ts";
import { createRenderer } from "../../../src/render/render.ts";
import { FIXED_HAPROXY } from "../render/fixtures.ts";

const renderer = createRenderer();
const LAYOUT = { minSpares: 2, spareRatio: 0.25, maxSpares: 1024 };

function renderDefault(model: Model, layout: Layout): string {
  return renderer.render(
    DEFAULT_TEMPLATE,
    "t",
    model,
    renderSettings(FIXED_HAPROXY, model, "t"),
    layout,
  );
}

function context(overrides: Partial<PrepareContext> = {}): PrepareContext {
  return {
    apply: { runtimeApi: true, allowEmpty: false, maxDropPercent: 50 },
    running: true,
    fastPath: "ready",
    layoutOptions: LAYOUT,
    modelOptions: (revision, retain) => ({ prefix: "/apps/", revision, overrides: [], retain }),
    render: renderDefault,
    templateKey: () => "default",
    ...overrides,
  };
}

/** `service/name=host:port` pairs as etcd keys in the seed's value form. */
function keys(...entries: string[]): KeyValue[] {
  return entries.map((entry) => {
    const [path, address] = entry.split("=") as [string, string];
    const name = path.split("/")[1]!;
    return { key: `/apps/${path}`, value: `${name} ${address}` };
  });
}

/** What HAProxy serves after applying `kvs` with a fresh layout. */
function servedFrom(kvs: KeyValue[]): Served {
  const model = buildModel(kvs, context().modelOptions(1, []));
  const layout = freshLayout(model, LAYOUT);
  const text = renderDefault(model, layout);
  const seen = new Set(model.services.filter((s) => s.servers.length > 0).map((s) => s.name));
  return { model, layout, text, fileLayout: layout, templateKey: "default", seenServices: seen };
}

const NOTHING: Served = {
  model: buildModel([], context().modelOptions(0, [])),
  layout: undefined,
  text: undefined,
  fileLayout: undefined,
  templateKey: "",
  seenServices: new Set(),
};

type Case = {
  name: string;
  served: Served;
  desired: KeyValue[];
  force?: boolean;
  fastPath?: FastPathState;
  context?: Partial<PrepareContext>;
  /** "none", "reload: <first reason>", or the runtime commands. */
  expected: string | string[];
  /** Whether the rendered text is absent (the fast path renders after routing). */
  rendered?: boolean;
};

const TWO = keys("web/a=10.0.0.1:80", "web/b=10.0.0.2:80");

const CASES: Case[] = [
  {
    name: "nothing served yet: a reload, the first apply",
    served: NOTHING,
    desired: TWO,
    expected: "reload: first apply",
  },
  {
    name: "nothing served and HAProxy not running: a reload that starts it",
    served: NOTHING,
    desired: TWO,
    context: { running: false },
    expected: "reload: haproxy is not running",
  },
  {
    name: "forced: a reload even when nothing changed",
    served: servedFrom(TWO),
    desired: TWO,
    force: true,
    expected: "reload: reload requested",
  },
  {
    name: "nothing changed: nothing to do",
    served: servedFrom(TWO),
    desired: TWO,
    expected: "none",
    rendered: false,
  },
  {
    name: "a server added on the fast path: commands from the layout, no render",
    served: servedFrom(TWO),
    desired: [...TWO, ...keys("web/c=10.0.0.3:80")],
    expected: [
      "set server web/.spare1 addr 10.0.0.3 port 80",
      "set server web/.spare1 state ready",
    ],
    rendered: false,
  },
  {
    name: "a server with a DNS host on the fast path: a reload, since `set server addr` takes IPs",
    served: servedFrom(TWO),
    desired: [...TWO, ...keys("web/c=localhost:8080")],
    expected: "reload: server web/.spare1 address localhost:8080 is not an IP address",
  },
  {
    name: "a server moved from an IP to a DNS host: a reload, never the old address kept",
    served: servedFrom(TWO),
    desired: keys("web/a=backend.example:80", "web/b=10.0.0.2:80"),
    expected: "reload: server web/a address backend.example:80 is not an IP address",
  },
  {
    name: "a server re-addressed while the file is behind: still the fast path",
    served: servedFrom(TWO),
    desired: keys("web/a=10.0.0.9:80", "web/b=10.0.0.2:80"),
    fastPath: "behind",
    expected: [
      "set server web/a state maint",
      "set server web/a addr 10.0.0.9 port 80",
      "set server web/a state ready",
    ],
    rendered: false,
  },
  {
    name: "a template not yet known to render slots: commands from the rendered diff",
    served: servedFrom(TWO),
    desired: keys("web/a=10.0.0.9:80", "web/b=10.0.0.2:80"),
    fastPath: "unverified",
    expected: [
      "set server web/a state maint",
      "set server web/a addr 10.0.0.9 port 80",
      "set server web/a state ready",
    ],
    rendered: true,
  },
  {
    name: "the template changed: the rendered diff decides",
    served: servedFrom(TWO),
    desired: keys("web/a=10.0.0.9:80", "web/b=10.0.0.2:80"),
    context: { templateKey: () => "edited" },
    expected: [
      "set server web/a state maint",
      "set server web/a addr 10.0.0.9 port 80",
      "set server web/a state ready",
    ],
    rendered: true,
  },
  {
    name: "runtime API turned off: a server change is a reload",
    served: servedFrom(TWO),
    desired: keys("web/a=10.0.0.9:80", "web/b=10.0.0.2:80"),
    fastPath: "unverified",
    context: { apply: { runtimeApi: false, allowEmpty: false, maxDropPercent: 50 } },
    expected: "reload: runtime API disabled ([apply] runtime_api = false)",
  },
  {
    name: "a new service: a reload, since its backend (and its line in hosts.map) is new",
    served: servedFrom(TWO),
    desired: [...TWO, ...keys("api/x=10.0.1.1:80")],
    expected: "reload: section added: backend api",
  },
  {
    name: "the file could not follow HAProxy: a reload mends it",
    served: servedFrom(TWO),
    desired: [...TWO, ...keys("web/c=10.0.0.3:80")],
    fastPath: "broken",
    expected: "reload: the config file could not be brought in line with HAProxy",
  },
  {
    name: "HAProxy not running: a reload starts it",
    served: servedFrom(TWO),
    desired: TWO,
    context: { running: false },
    expected: "reload: haproxy is not running",
  },
  {
    name: "every server gone: the guard holds them, nothing changes",
    served: servedFrom(TWO),
    desired: [],
    expected: "none",
    rendered: false,
  },
];

function summary(plan: Awaited<ReturnType<typeof prepareApply>>["plan"]): string | string[] {
  if (plan.kind === "none") return "none";
  if (plan.kind === "reload") return `reload: ${plan.reasons[0]}`;
  return plan.ops.flatMap((op) => op.commands);
}

describe("prepareApply", () => {
  test.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const prepared = await prepareApply(
      c.served,
      { kvs: c.desired, revision: 7 },
      c.force ?? false,
      context({ fastPath: c.fastPath ?? (c.served.text ? "ready" : "cold"), ...c.context }),
    );
    const got = summary(prepared.plan);
    expect(got).toEqual(c.expected);
    if (c.rendered !== undefined) expect(prepared.text !== undefined).toBe(c.rendered);
    expect(prepared.revision).toBe(7);
  });

  test("the guard's hold is reported and the held servers stay in the model", async () => {
    const prepared = await prepareApply(
      servedFrom(TWO),
      { kvs: [], revision: 8 },
      false,
      context(),
    );
    expect(prepared.holds).toHaveLength(1);
    expect(prepared.holds[0]!.service).toBe("web");
    expect(prepared.model.services[0]!.servers.map((s) => s.name)).toEqual(["a", "b"]);
    expect(prepared.desired.services[0]?.servers ?? []).toHaveLength(0);
  });

  test("while the file is behind, a structural change is planned against the file as HAProxy has it", async () => {
    const served = servedFrom(TWO);
    // HAProxy moved a to 10.0.0.9 on the fast path; the file still says 10.0.0.1.
    const moved = servedFrom(keys("web/a=10.0.0.9:80", "web/b=10.0.0.2:80"));
    const behind: Served = { ...served, model: moved.model, layout: moved.layout };
    const prepared = await prepareApply(
      behind,
      { kvs: keys("web/a=10.0.0.9:80", "web/b=10.0.0.2:80"), revision: 9 },
      false,
      context({ fastPath: "behind", templateKey: () => "edited" }),
    );
    expect(prepared.plan).toEqual({ kind: "none" });
    expect(prepared.catchUp).toContain("10.0.0.9:80");
    expect(prepared.catchUp).not.toContain("10.0.0.1:80");
  });
});

describe("the default service", () => {
  function withCreation(entries: [string, string, number][]): KeyValue[] {
    return entries.map(([path, address, createRevision]) => ({
      key: `/apps/${path}`,
      value: `${path.split("/")[1]} ${address}`,
      createRevision,
    }));
  }

  test("stays with its service when that service re-registers and becomes the youngest", async () => {
    const first = withCreation([
      ["web/a", "10.0.0.1:80", 2],
      ["zeta/z", "10.0.1.1:80", 3],
    ]);
    const served = servedFrom(first);
    expect(served.model.defaultService).toBe("web");
    // web/a deleted and put again on a new lease: now younger than zeta.
    const again = withCreation([
      ["web/a", "10.0.0.1:80", 9],
      ["zeta/z", "10.0.1.1:80", 3],
    ]);
    const prepared = await prepareApply(served, { kvs: again, revision: 9 }, false, context());
    expect(prepared.model.defaultService).toBe("web");
  });

  test("moves to the oldest service once its own is gone", async () => {
    const served = servedFrom(withCreation([["web/a", "10.0.0.1:80", 2]]));
    const served2: Served = { ...served, seenServices: new Set() };
    const prepared = await prepareApply(
      served2,
      { kvs: withCreation([["zeta/z", "10.0.1.1:80", 3]]), revision: 9 },
      false,
      context({ apply: { runtimeApi: true, allowEmpty: true, maxDropPercent: 100 } }),
    );
    expect(prepared.model.defaultService).toBe("zeta");
  });
});
