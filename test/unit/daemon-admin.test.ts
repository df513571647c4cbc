// daemonAdmin's /v1/plan?diff=1: the served file against what the next apply would write.

import { describe, expect, test } from "bun:test";
import { daemonAdmin } from "../../src/daemon-admin.ts";
import { createEventBus } from "../../src/events/bus.ts";

function admin(prepared: { text?: string; catchUp?: string }, served: string | undefined) {
  return daemonAdmin({
    reconciler: {
      prepare: () => ({ plan: { kind: "reload", reasons: ["x"] }, holds: [], ...prepared }),
    } as never,
    serverHealth: undefined,
    desired: { current: () => ({ kvs: [], revision: 7 }) } as never,
    file: { read: () => served } as never,
    cycle: {} as never,
    readiness: {} as never,
    token: undefined,
    status: async () => ({}) as never,
    pipeline: { render: () => "global\n  rendered\n" },
    events: {
      bus: createEventBus({ capacity: 1 }),
      operator: {} as never,
      withOverrides: (services) => [...services],
    },
  });
}

const plan = async (app: ReturnType<typeof admin>, query = "?diff=1") =>
  (await (await app.request(`/v1/plan${query}`)).json()) as Record<string, unknown>;

describe("/v1/plan?diff=1", () => {
  test("diffs the served file against the next text", async () => {
    const body = await plan(admin({ text: "global\n  new\n" }, "global\n  old\n"));
    expect(body.revision).toBe(7);
    expect(body.diff).toContain("-  old\n+  new\n");
  });

  test("the fast path renders the next file; a first apply diffs against nothing", async () => {
    expect((await plan(admin({}, "global\n  rendered\n"))).diff).toBe("");
    expect((await plan(admin({}, undefined))).diff).toContain("+  rendered");
  });

  test("without diff=1 there is no diff", async () => {
    expect("diff" in (await plan(admin({ text: "x\n" }, "y\n"), ""))).toBe(false);
  });
});
