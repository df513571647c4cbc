import { describe, expect, test } from "bun:test";
import {
  createChangePublisher,
  createHoldPublisher,
  createRejectionPublisher,
} from "../../../src/events/changes.ts";

function recorder() {
  const events: { type: string; data: Record<string, unknown> }[] = [];
  return {
    events,
    publish: (type: string, data: Record<string, unknown>) => events.push({ type, data }),
  };
}

describe("change events", () => {
  test("each key an update says changed is one change, with the revision", () => {
    const { events, publish } = recorder();
    const changed = createChangePublisher(publish, 100);
    changed(
      [
        { key: "/a", value: "2" },
        { key: "/b", value: undefined },
        { key: "/c", value: "1", createRevision: 6 },
      ],
      6,
    );
    expect(events).toEqual([
      { type: "change", data: { key: "/a", kind: "put", revision: 6 } },
      { type: "change", data: { key: "/b", kind: "delete", revision: 6 } },
      { type: "change", data: { key: "/c", kind: "put", revision: 6 } },
    ]);
    events.length = 0;
    changed([], 7);
    expect(events).toEqual([]);
  });

  test("past the limit, the rest of one update is counted in one changes_omitted", () => {
    const { events, publish } = recorder();
    const changed = createChangePublisher(publish, 3);
    changed(
      Array.from({ length: 10 }, (_, i) => ({ key: `/k${i}`, value: "v" })),
      2,
    );
    expect(events.map((event) => event.type)).toEqual([
      "change",
      "change",
      "change",
      "changes_omitted",
    ]);
    expect(events[3]!.data).toEqual({ count: 7, revision: 2 });
  });
});

describe("rejected and held events", () => {
  test("only keys newly rejected are told", () => {
    const { events, publish } = recorder();
    const rejected = createRejectionPublisher(publish, 100);
    rejected([{ key: "/a", value: "x", reason: "bad port" }]);
    rejected([
      { key: "/a", value: "x", reason: "bad port" },
      { key: "/b", value: "y", reason: "bad host" },
    ]);
    rejected([]);
    rejected([{ key: "/a", value: "x", reason: "bad port" }]);
    expect(events.map((event) => event.data.key)).toEqual(["/a", "/b", "/a"]);
    expect(events[1]).toEqual({ type: "rejected", data: { key: "/b", reason: "bad host" } });
  });

  test("the same list as the last apply's is not walked again (the model keeps it unchanged)", () => {
    const { events, publish } = recorder();
    const rejected = createRejectionPublisher(publish, 100);
    const list = [{ key: "/a", value: "x", reason: "bad port" }];
    rejected(list);
    list.push({ key: "/b", value: "y", reason: "bad host" });
    rejected(list);
    expect(events.map((event) => event.data.key)).toEqual(["/a"]);
  });

  test("a hold is told when it begins, not at every apply it lasts", () => {
    const { events, publish } = recorder();
    const holds = createHoldPublisher(publish);
    const hold = { service: "web", held: 3, of: 4, reason: "would remove 3 of 4" };
    holds([hold]);
    holds([hold]);
    holds([]);
    holds([hold]);
    expect(events).toHaveLength(2);
    expect(events[0]).toEqual({ type: "removal_held", data: hold });
  });
});
