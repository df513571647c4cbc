// Names that share a Host header (HAProxy matches Host without case) and the default backend:
// the first registered keeps its traffic, and registering a service never moves the default.

import { describe, expect, test } from "bun:test";
import type { ServiceOverride } from "../../../src/config/schema.ts";
import { buildModel, countServers } from "../../../src/model/build.ts";
import type { KeyValue } from "../../../src/model/types.ts";

type Extra = { overrides?: ServiceOverride[]; retain?: string[]; defaultService?: string };

function build(kvs: KeyValue[], extra: Extra = {}) {
  return buildModel(kvs, { prefix: "/apps/", revision: 30, ...extra });
}

const names = (kvs: KeyValue[], extra?: Extra) => build(kvs, extra).services.map((s) => s.name);

describe("buildModel: service names equal but for case", () => {
  test("a later Web does not take web's Host: it is rejected, web keeps serving", () => {
    const model = build([
      { key: "/apps/web/a", value: "a 10.0.0.1:80", createRevision: 5 },
      { key: "/apps/Web/x", value: "x 10.6.6.6:80", createRevision: 9 },
    ]);
    expect(model.services.map((s) => s.name)).toEqual(["web"]);
    expect(model.rejected).toHaveLength(1);
    expect(model.rejected[0]!.key).toBe("/apps/Web/x");
    expect(model.rejected[0]!.reason).toBe(
      'service name "Web" differs only in case from "web", which came first; HAProxy matches Host headers without case',
    );
  });

  test("the first registered wins by creation revision, whatever the names sort", () => {
    const kvs = [
      { key: "/apps/web/a", value: "a 10.0.0.1:80", createRevision: 12 },
      { key: "/apps/WEB/b", value: "b 10.0.0.2:80", createRevision: 4 },
      { key: "/apps/Web/c", value: "c 10.0.0.3:80", createRevision: 8 },
    ];
    expect(names(kvs)).toEqual(["WEB"]);
    expect(names([...kvs].reverse())).toEqual(["WEB"]);
    expect(build(kvs).rejected.map((r) => r.key)).toEqual(["/apps/Web/c", "/apps/web/a"]);
  });

  test("a service's age is its oldest key: a new instance of web does not make it lose", () => {
    const model = build([
      { key: "/apps/web/a", value: "a 10.0.0.1:80", createRevision: 3 },
      { key: "/apps/web/b", value: "b 10.0.0.2:80", createRevision: 20 },
      { key: "/apps/Web/x", value: "x 10.6.6.6:80", createRevision: 10 },
    ]);
    expect(model.services.map((s) => s.name)).toEqual(["web"]);
    expect(countServers(model)).toBe(2);
  });

  test("a service declared in sluice.toml keeps its name against any registration", () => {
    const overrides = [{ name: "web", balance: "roundrobin", hostnames: [] }];
    const kvs = [{ key: "/apps/Web/x", value: "x 10.6.6.6:80", createRevision: 1 }];
    expect(names(kvs, { overrides })).toEqual(["web"]);
  });

  test("a service served before (kept while empty) keeps its name against a newcomer", () => {
    const kvs = [{ key: "/apps/Web/x", value: "x 10.6.6.6:80", createRevision: 40 }];
    const model = build(kvs, { retain: ["web"] });
    expect(model.services.map((s) => s.name)).toEqual(["web"]);
    expect(model.rejected[0]!.reason).toMatch(/differs only in case from "web"/);
  });

  test("a service named like another service's hostname, in any case, is rejected", () => {
    const overrides = [{ name: "api", balance: "leastconn", hostnames: ["www.Example.com"] }];
    const model = build(
      [
        { key: "/apps/api/a", value: "a 10.0.0.1:80", createRevision: 9 },
        { key: "/apps/WWW.example.COM/x", value: "x 10.6.6.6:80", createRevision: 2 },
      ],
      { overrides },
    );
    expect(model.services.map((s) => s.name)).toEqual(["api"]);
    expect(model.rejected[0]!.reason).toBe(
      'service name "WWW.example.COM" is a hostname of service "api"; HAProxy matches Host headers without case',
    );
  });

  test("names that differ otherwise are all served", () => {
    const kvs = [
      { key: "/apps/web/a", value: "a 10.0.0.1:80", createRevision: 2 },
      { key: "/apps/web2/a", value: "a 10.0.0.2:80", createRevision: 3 },
      { key: "/apps/Web.1/a", value: "a 10.0.0.3:80", createRevision: 4 },
    ];
    expect(names(kvs)).toEqual(["Web.1", "web", "web2"]);
    expect(build(kvs).rejected).toEqual([]);
  });
});

describe("buildModel: the default service", () => {
  test("is the service registered first, not the first by name", () => {
    const web = { key: "/apps/web/a", value: "a 10.0.0.1:80", createRevision: 5 };
    expect(build([web]).defaultService).toBe("web");
    const later = build([
      web,
      { key: "/apps/aaa-test/x", value: "x 10.0.0.9:80", createRevision: 9 },
    ]);
    expect(later.services.map((s) => s.name)).toEqual(["aaa-test", "web"]);
    expect(later.defaultService).toBe("web");
  });

  test("is [haproxy] default_service when configured", () => {
    const kvs = [{ key: "/apps/web/a", value: "a 10.0.0.1:80", createRevision: 5 }];
    const model = build(kvs, { defaultService: "api", retain: ["api"] });
    expect(model.defaultService).toBe("api");
  });

  test("keys without a creation revision (an old snapshot) fall back to the first by name", () => {
    const model = build([
      { key: "/apps/web/a", value: "a 10.0.0.1:80" },
      { key: "/apps/api/a", value: "a 10.0.0.2:80" },
    ]);
    expect(model.defaultService).toBe("api");
  });

  test("services without keys come after those with keys; none at all gives ''", () => {
    const overrides = [{ name: "aaa", balance: "leastconn", hostnames: [] }];
    const kvs = [{ key: "/apps/web/a", value: "a 10.0.0.1:80", createRevision: 5 }];
    expect(build(kvs, { overrides }).defaultService).toBe("web");
    expect(build([], { overrides }).defaultService).toBe("aaa");
    expect(build([]).defaultService).toBe("");
  });

  test("of two look-alikes, the one that loses is never the default", () => {
    const model = build([
      { key: "/apps/web/a", value: "a 10.0.0.1:80", createRevision: 5 },
      { key: "/apps/Web/x", value: "x 10.6.6.6:80", createRevision: 2 },
    ]);
    expect(model.defaultService).toBe("Web");
    expect(model.services.map((s) => s.name)).toEqual(["Web"]);
  });
});
