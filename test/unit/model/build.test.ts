import { describe, expect, test } from "bun:test";
import type { ServiceOverride } from "../../../src/config/schema.ts";
import { buildModel, countServers } from "../../../src/model/build.ts";
import { bytesToText } from "../../../src/model/raw-text.ts";
import { shownRejection } from "../../../src/model/rejected.ts";
import type { KeyValue, Model } from "../../../src/model/types.ts";
import { HOSTILE_KEYS, HOSTILE_VALUES } from "./hostile-values.ts";

const PREFIX = "/apps/";

function build(kvs: KeyValue[], extra: { overrides?: ServiceOverride[]; retain?: string[] } = {}) {
  return buildModel(kvs, { prefix: PREFIX, revision: 7, ...extra });
}

function serverNames(model: Model, service: string): string[] {
  return model.services.find((s) => s.name === service)?.servers.map((s) => s.name) ?? [];
}

describe("buildModel", () => {
  test("groups servers by service, with the revision and the default balance", () => {
    const model = build([
      { key: "/apps/web/a", value: "web-1 10.0.0.1:80" },
      { key: "/apps/web/b", value: "10.0.0.2:80" },
      { key: "/apps/api/x", value: '{"addr":"10.0.1.1:9000","name":"api-1","weight":5}' },
    ]);
    expect(model.revision).toBe(7);
    expect(model.rejected).toEqual([]);
    expect(model.services.map((s) => s.name)).toEqual(["api", "web"]);
    expect(serverNames(model, "web")).toEqual(["b", "web-1"]);
    expect(serverNames(model, "api")).toEqual(["api-1"]);
    expect(model.services.every((s) => s.balance === "leastconn")).toBe(true);
    expect(model.services.every((s) => s.hostnames.length === 0)).toBe(true);
    expect(countServers(model)).toBe(3);
  });

  test("builds the seed's registration", () => {
    const model = build([
      {
        key: "/apps/stupid_server/stupid-server@1.service",
        value: "stupid-server-1 10.10.10.10:9000",
      },
    ]);
    expect(model.services).toHaveLength(1);
    const service = model.services[0]!;
    expect(service.name).toBe("stupid_server");
    expect(service.servers.map((s) => [s.name, s.address])).toEqual([
      ["stupid-server-1", "10.10.10.10:9000"],
    ]);
  });

  test("sorts services and servers by name whatever the input order", () => {
    const kvs: KeyValue[] = [
      { key: "/apps/zeta/1", value: "z-2 10.0.0.2:80" },
      { key: "/apps/alpha/1", value: "a-9 10.0.0.9:80" },
      { key: "/apps/zeta/2", value: "z-1 10.0.0.1:80" },
      { key: "/apps/mid/1", value: "m 10.0.0.3:80" },
      { key: "/apps/alpha/2", value: "a-1 10.0.0.8:80" },
    ];
    const forward = build(kvs);
    const backward = build([...kvs].reverse());
    expect(forward.services.map((s) => s.name)).toEqual(["alpha", "mid", "zeta"]);
    expect(serverNames(forward, "alpha")).toEqual(["a-1", "a-9"]);
    expect(serverNames(forward, "zeta")).toEqual(["z-1", "z-2"]);
    expect(backward).toEqual(forward);
  });

  test("ignores keys outside the prefix", () => {
    const model = build([
      { key: "/other/web/a", value: "web-1 10.0.0.1:80" },
      { key: "/apps/web/a", value: "web-1 10.0.0.1:80" },
    ]);
    expect(model.services.map((s) => s.name)).toEqual(["web"]);
    expect(model.rejected).toEqual([]);
  });

  test("rejects a second server with the same name in a service, naming the first key", () => {
    const model = build([
      { key: "/apps/web/b", value: "web-1 10.0.0.2:80" },
      { key: "/apps/web/a", value: "web-1 10.0.0.1:80" },
    ]);
    expect(model.services[0]!.servers.map((s) => s.key)).toEqual(["/apps/web/a"]);
    expect(model.rejected).toHaveLength(1);
    const rejected = model.rejected[0]!;
    expect(rejected.key).toBe("/apps/web/b");
    expect(rejected.value).toBe("web-1 10.0.0.2:80");
    expect(rejected.reason).toBe('server name "web-1" is already used by /apps/web/a');
  });

  test("allows the same server name in different services", () => {
    const model = build([
      { key: "/apps/web/a", value: "node-1 10.0.0.1:80" },
      { key: "/apps/api/a", value: "node-1 10.0.0.1:81" },
    ]);
    expect(model.rejected).toEqual([]);
    expect(countServers(model)).toBe(2);
  });

  test("a derived name that collides with a seed-form name is rejected too", () => {
    const model = build([
      { key: "/apps/web/web@1", value: "10.0.0.1:80" },
      { key: "/apps/web/web@2", value: "web-1 10.0.0.2:80" },
    ]);
    expect(serverNames(model, "web")).toEqual(["web-1"]);
    expect(model.rejected[0]?.reason).toContain("already used by /apps/web/web@1");
  });

  test("keeps retained services as empty backends and drops others without keys", () => {
    const model = build([{ key: "/apps/web/a", value: "web-1 10.0.0.1:80" }], {
      retain: ["api", "web"],
    });
    expect(model.services.map((s) => [s.name, s.servers.length])).toEqual([
      ["api", 0],
      ["web", 1],
    ]);
    expect(build([]).services).toEqual([]);
  });

  test("overrides set balance and hostnames, and declare services that have no servers", () => {
    const model = build([{ key: "/apps/web/a", value: "web-1 10.0.0.1:80" }], {
      overrides: [
        { name: "web", balance: "roundrobin", hostnames: ["www.example.com", "example.com"] },
        { name: "admin", balance: "source", hostnames: [] },
      ],
    });
    expect(model.services.map((s) => s.name)).toEqual(["admin", "web"]);
    const web = model.services.find((s) => s.name === "web")!;
    expect(web.balance).toBe("roundrobin");
    expect(web.hostnames).toEqual(["www.example.com", "example.com"]);
    expect(web.servers).toHaveLength(1);
    const admin = model.services.find((s) => s.name === "admin")!;
    expect(admin.balance).toBe("source");
    expect(admin.servers).toEqual([]);
  });

  test("shows at most 200 characters of a rejected value", () => {
    const value = `long ${"1".repeat(5000)}.example:80`;
    const model = build([{ key: "/apps/web/a", value }]);
    expect(model.rejected[0]!.value).toBe(value.slice(0, 200));
  });

  test("works with a prefix other than /apps/", () => {
    const model = buildModel([{ key: "/lb/v1/web/a", value: "web-1 10.0.0.1:80" }], {
      prefix: "/lb/v1/",
      revision: 1,
    });
    expect(serverNames(model, "web")).toEqual(["web-1"]);
  });
});

describe("buildModel: hostile keys", () => {
  for (const hostile of HOSTILE_KEYS) {
    test(`rejects ${hostile.name}`, () => {
      const model = build([
        { key: hostile.key, value: hostile.value },
        { key: "/apps/web/good", value: "good 10.0.0.1:80" },
      ]);
      expect(model.rejected).toHaveLength(1);
      expect(model.rejected[0]!.key).toBe(hostile.key);
      expect(model.rejected[0]!.reason).toMatch(hostile.reason);
      expect(countServers(model)).toBe(1);
      expect(model.services.map((s) => s.name)).toEqual(["web"]);
    });
  }
});

describe("buildModel: keys that are not valid UTF-8", () => {
  test("keys that differ only in invalid bytes are two rejections, never served", () => {
    const xff = bytesToText(Buffer.from("/apps/web/x\xff", "latin1"));
    const xfe = bytesToText(Buffer.from("/apps/web/x\xfe", "latin1"));
    const model = build([
      { key: xff, value: "x1 10.0.0.1:80" },
      { key: xfe, value: "x2 10.0.0.2:80" },
    ]);
    expect(countServers(model)).toBe(0);
    expect(model.rejected.map((r) => r.key)).toEqual([xfe, xff]);
    expect(model.rejected.map((r) => r.reason)).toEqual([
      'key "/apps/web/x\\xfe" is not valid UTF-8',
      'key "/apps/web/x\\xff" is not valid UTF-8',
    ]);
    expect(model.rejected.map(shownRejection).map((r) => r.key)).toEqual([
      "/apps/web/x\\xfe",
      "/apps/web/x\\xff",
    ]);
  });

  test("a valid key that spells the replacement character or a backslash is served", () => {
    const model = build([
      { key: "/apps/web/x\ufffd", value: "x1 10.0.0.1:80" },
      { key: "/apps/web/x\\xff", value: "x2 10.0.0.2:80" },
    ]);
    expect(countServers(model)).toBe(2);
  });
});

describe("buildModel: hostile values", () => {
  test("rejects every hostile value, lists each with its key and reason, and keeps the good ones", () => {
    const kvs: KeyValue[] = HOSTILE_VALUES.map((hostile, index) => ({
      key: `/apps/web/h${String(index).padStart(2, "0")}`,
      value: hostile.value,
    }));
    kvs.push({ key: "/apps/web/good", value: "good 10.0.0.1:80" });
    const model = build(kvs);
    expect(serverNames(model, "web")).toEqual(["good"]);
    expect(model.rejected.map((r) => r.key)).toEqual(
      kvs.filter((kv) => kv.key !== "/apps/web/good").map((kv) => kv.key),
    );
    HOSTILE_VALUES.forEach((hostile, index) => {
      expect(model.rejected[index]!.reason).toMatch(hostile.reason);
    });
  });
});
