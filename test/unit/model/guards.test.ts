import { describe, expect, test } from "bun:test";
import { applyGuards, type GuardOptions } from "../../../src/model/guards.ts";
import type { Model } from "../../../src/model/types.ts";
import { model, server, servers } from "./servers.ts";

const DEFAULTS: GuardOptions = { allowEmpty: false, maxDropPercent: 50 };

function names(m: Model, service = "web"): string[] {
  return m.services.find((s) => s.name === service)?.servers.map((s) => s.name) ?? [];
}

const FOUR = servers("web", 4);
const API = servers("api", 3, "api-");

describe("applyGuards", () => {
  test("holds nothing when nothing was served yet", () => {
    const desired = model({ web: FOUR });
    const result = applyGuards(model({}), desired, DEFAULTS);
    expect(result.holds).toEqual([]);
    expect(result.model).toEqual(desired);
  });

  test("holds nothing for a service that was served without servers", () => {
    const desired = model({ web: [] });
    expect(applyGuards(model({ web: [] }), desired, DEFAULTS).holds).toEqual([]);
  });

  test("holds nothing when servers are only added or changed", () => {
    const moved = FOUR.map((s) => ({ ...s, address: "10.9.9.9:80", host: "10.9.9.9", weight: 3 }));
    const desired = model({ web: [...moved, server("web", "s5", "10.0.0.5:80")] });
    const result = applyGuards(model({ web: FOUR }), desired, DEFAULTS);
    expect(result.holds).toEqual([]);
    expect(result.model).toEqual(desired);
  });

  test("holds back emptying a backend, naming the service, the count and allow_empty", () => {
    const result = applyGuards(model({ web: FOUR }), model({ web: [] }), {
      allowEmpty: false,
      maxDropPercent: 100,
    });
    expect(result.holds).toEqual([
      {
        service: "web",
        held: 4,
        of: 4,
        reason: "would remove all 4 servers (set [apply] allow_empty = true to allow)",
      },
    ]);
    expect(names(result.model)).toEqual(["s1", "s2", "s3", "s4"]);
  });

  test("holds back emptying a one-server backend", () => {
    const result = applyGuards(model({ web: FOUR.slice(0, 1) }), model({ web: [] }), DEFAULTS);
    expect(result.holds.map((h) => [h.service, h.held, h.of])).toEqual([["web", 1, 1]]);
    expect(result.holds[0]?.reason).toContain("allow_empty");
    expect(names(result.model)).toEqual(["s1"]);
  });

  test.each([
    // served servers, maxDropPercent
    [1, 100],
    [4, 100],
    [1, 50],
    [4, 50],
  ])(
    "with allowEmpty a backend of %i servers may become empty (max_drop_percent %i)",
    (count, maxDropPercent) => {
      // The hold above says "set [apply] allow_empty = true to allow": doing so must allow it.
      const result = applyGuards(model({ web: FOUR.slice(0, count) }), model({ web: [] }), {
        allowEmpty: true,
        maxDropPercent,
      });
      expect(result.holds).toEqual([]);
      expect(names(result.model)).toEqual([]);
    },
  );

  test.each([
    // served, removed, maxDropPercent, held?
    [4, 1, 50, false],
    [4, 2, 50, false],
    [4, 3, 50, true],
    [10, 5, 50, false],
    [10, 6, 50, true],
    [3, 1, 33, true],
    [3, 1, 34, false],
    [10, 1, 10, false],
    [10, 2, 10, true],
    [4, 1, 0, true],
    [4, 3, 100, false],
  ])(
    "removing from %i servers %i at max_drop_percent %i: held %p",
    (count, removed, maxDropPercent, held) => {
      const all = servers("web", count);
      const result = applyGuards(model({ web: all }), model({ web: all.slice(removed) }), {
        allowEmpty: false,
        maxDropPercent,
      });
      expect(result.holds.length > 0).toBe(held);
      expect(names(result.model)).toHaveLength(held ? count : count - removed);
    },
  );

  test("a hold over max_drop_percent names the service, the counts, the share and the setting", () => {
    const result = applyGuards(model({ web: FOUR }), model({ web: FOUR.slice(3) }), DEFAULTS);
    expect(result.holds).toEqual([
      {
        service: "web",
        held: 3,
        of: 4,
        reason: "would remove 3 of 4 servers (75 %), more than max_drop_percent = 50",
      },
    ]);
  });

  test("held servers are put back as they were served", () => {
    const result = applyGuards(model({ web: FOUR }), model({ web: FOUR.slice(3) }), DEFAULTS);
    const web = result.model.services.find((s) => s.name === "web");
    expect(web?.servers).toEqual(FOUR);
  });

  test("adds and changes still go through in a held service", () => {
    const changed = { ...FOUR[3]!, address: "10.0.0.99:80", host: "10.0.0.99", weight: 9 };
    const added = server("web", "s0", "10.0.0.50:80");
    const result = applyGuards(model({ web: FOUR }), model({ web: [changed, added] }), DEFAULTS);
    expect(result.holds.map((h) => [h.service, h.held, h.of])).toEqual([["web", 3, 4]]);
    const web = result.model.services.find((s) => s.name === "web");
    expect(web?.servers.map((s) => [s.name, s.address, s.weight])).toEqual([
      ["s0", "10.0.0.50:80", 1],
      ["s1", FOUR[0]!.address, 1],
      ["s2", FOUR[1]!.address, 1],
      ["s3", FOUR[2]!.address, 1],
      ["s4", "10.0.0.99:80", 9],
    ]);
  });

  test("other services are untouched by a hold", () => {
    const served = model({ web: FOUR, api: API });
    const newApi = [...API.slice(1), server("api", "api-9", "10.0.2.9:80")];
    const desired = model({ web: [], api: newApi });
    const result = applyGuards(served, desired, DEFAULTS);
    expect(result.holds.map((h) => h.service)).toEqual(["web"]);
    expect(result.model.services.find((s) => s.name === "api")).toEqual(
      desired.services.find((s) => s.name === "api"),
    );
  });

  test("each guarded service gets its own hold", () => {
    const served = model({ web: FOUR, api: API });
    const result = applyGuards(served, model({ web: [], api: [] }), DEFAULTS);
    expect(result.holds.map((h) => [h.service, h.held, h.of])).toEqual([
      ["api", 3, 3],
      ["web", 4, 4],
    ]);
    expect(names(result.model, "api")).toEqual(["api-1", "api-2", "api-3"]);
  });

  test("keeps the desired model's revision and rejections, and does not change its input", () => {
    const desired: Model = {
      ...model({ web: [] }, 9),
      rejected: [{ key: "/apps/web/x", value: "bad", reason: "nope" }],
    };
    const snapshot = structuredClone(desired);
    const result = applyGuards(model({ web: FOUR }), desired, DEFAULTS);
    expect(result.model.revision).toBe(9);
    expect(result.model.rejected).toEqual(snapshot.rejected);
    expect(desired).toEqual(snapshot);
  });
});
