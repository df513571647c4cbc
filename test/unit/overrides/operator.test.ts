import { describe, expect, test } from "bun:test";
import { SluiceError } from "../../../src/errors.ts";
import { createLogger } from "../../../src/log.ts";
import type { Layout } from "../../../src/model/layout.ts";
import type { Model, Server } from "../../../src/model/types.ts";
import { createOperatorActions } from "../../../src/overrides/operator.ts";
import { amendCommands, createOverrideStore } from "../../../src/overrides/store.ts";

function server(name: string): Server {
  const port = 8000 + name.charCodeAt(0);
  return {
    key: `/apps/web/${name}`,
    name,
    host: "127.0.0.1",
    port,
    address: `127.0.0.1:${port}`,
    weight: 1,
    drain: false,
    meta: {},
  };
}

/** Served: web with a and b; b sits in slot `.spare1` (it was added at runtime). */
function fixture() {
  const a = server("a");
  const b = server("b");
  let model: Model = {
    revision: 1,
    rejected: [],
    services: [{ name: "web", balance: "roundrobin", hostnames: [], servers: [a, b] }],
  };
  const layout: Layout = new Map([
    [
      "web",
      [
        { name: "a", server: a },
        { name: ".spare1", server: b },
      ],
    ],
  ]);
  const sent: string[][] = [];
  const published: { type: string; data: Record<string, unknown> }[] = [];
  let refuse = false;
  const store = createOverrideStore();
  const operator = createOperatorActions({
    store,
    served: () => model,
    layout: () => layout,
    async runCommands(commands) {
      if (refuse) throw new SluiceError("apply", "haproxy refused");
      sent.push(commands);
    },
    publish: (type, data) => published.push({ type, data }),
    log: createLogger(() => {}),
    now: () => new Date("2026-01-01T00:00:00.000Z"),
  });
  return {
    operator,
    store,
    sent,
    published,
    refuse: () => {
      refuse = true;
    },
    setModel: (next: Model) => {
      model = next;
    },
  };
}

describe("operator actions", () => {
  test("drain sends state drain to the server's slot and remembers the override", async () => {
    const { operator, sent, published } = fixture();
    const answer = await operator.act("web", "b", "drain", "api");
    expect(answer).toEqual({ ok: true, service: "web", backend: "b", action: "drain" });
    expect(sent).toEqual([["set server web/.spare1 state drain"]]);
    expect(operator.overrideOf("/apps/web/b")).toBe("drain");
    expect(operator.list()).toEqual([
      {
        key: "/apps/web/b",
        service: "web",
        backend: "b",
        action: "drain",
        since: "2026-01-01T00:00:00.000Z",
      },
    ]);
    expect(published).toEqual([
      {
        type: "override",
        data: { service: "web", backend: "b", key: "/apps/web/b", action: "drain", by: "api" },
      },
    ]);
  });

  test("ready lifts the override; maint replaces drain", async () => {
    const { operator, sent } = fixture();
    await operator.act("web", "a", "drain", "api");
    await operator.act("web", "a", "maint", "api");
    expect(operator.overrideOf("/apps/web/a")).toBe("maint");
    await operator.act("web", "a", "ready", "api");
    expect(operator.overrideOf("/apps/web/a")).toBeNull();
    expect(sent.flat()).toEqual([
      "set server web/a state drain",
      "set server web/a state maint",
      "set server web/a state ready",
    ]);
  });

  test("unknown services and backends are not_found; a refused command keeps the old state", async () => {
    const { operator, refuse } = fixture();
    await expect(operator.act("nope", "a", "drain", "api")).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(operator.act("web", "zz", "drain", "api")).rejects.toMatchObject({
      code: "not_found",
    });
    await operator.act("web", "a", "drain", "api");
    refuse();
    await expect(operator.act("web", "a", "maint", "api")).rejects.toThrow("haproxy refused");
    expect(operator.overrideOf("/apps/web/a")).toBe("drain");
  });

  test("after a reload every override is sent again, in one batch", async () => {
    const { operator, sent } = fixture();
    await operator.act("web", "a", "drain", "api");
    await operator.act("web", "b", "maint", "api");
    sent.length = 0;
    await operator.reassert();
    expect(sent).toEqual([["set server web/a state drain", "set server web/.spare1 state maint"]]);
  });

  test("a runtime batch touching an overridden server gets the override appended", async () => {
    const { operator } = fixture();
    await operator.act("web", "b", "drain", "api");
    const moved = [
      "set server web/.spare1 state maint",
      "set server web/.spare1 addr 10.0.0.9 port 80",
      "set server web/.spare1 state ready",
    ];
    expect(operator.amend(moved)).toEqual([...moved, "set server web/.spare1 state drain"]);
    const other = ["set server web/a weight 5"];
    expect(operator.amend(other)).toEqual(other);
  });

  test("an override whose key is no longer served is lifted, with an event", async () => {
    const { operator, published, setModel } = fixture();
    await operator.act("web", "b", "drain", "api");
    setModel({
      revision: 2,
      rejected: [],
      services: [{ name: "web", balance: "roundrobin", hostnames: [], servers: [server("a")] }],
    });
    operator.prune();
    expect(operator.list()).toEqual([]);
    expect(published.at(-1)?.data).toMatchObject({ action: "ready", by: "sluice", backend: "b" });
  });
});

describe("amendCommands", () => {
  test("nothing to amend without overrides or commands", () => {
    expect(amendCommands([], [], () => "a")).toEqual([]);
    expect(amendCommands(["set server web/a weight 2"], [], () => "a")).toEqual([
      "set server web/a weight 2",
    ]);
  });
});
