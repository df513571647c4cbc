import { describe, expect, test } from "bun:test";
import { createEventBus } from "../../../src/events/bus.ts";

const fixed = () => new Date("2026-01-02T03:04:05.000Z");

describe("event bus", () => {
  test("ids grow by one from 1 and listeners get every event in order", () => {
    const bus = createEventBus({ capacity: 10, now: fixed });
    const seen: number[] = [];
    bus.subscribe((event) => seen.push(event.id));
    const first = bus.publish("change", { key: "/apps/web/a", kind: "put", revision: 5 });
    bus.publish("apply", { kind: "runtime" });
    expect(first).toEqual({
      id: 1,
      type: "change",
      at: "2026-01-02T03:04:05.000Z",
      data: { key: "/apps/web/a", kind: "put", revision: 5 },
    });
    expect(seen).toEqual([1, 2]);
    expect(bus.lastId()).toBe(2);
  });

  test("the ring keeps the newest events; since() says how many fell out", () => {
    const bus = createEventBus({ capacity: 3 });
    for (let i = 0; i < 5; i++) bus.publish("tick", { i });
    expect(bus.recent(10).map((event) => event.id)).toEqual([3, 4, 5]);
    expect(bus.recent(2).map((event) => event.id)).toEqual([4, 5]);
    expect(bus.since(3)).toMatchObject({ lost: 0, events: [{ id: 4 }, { id: 5 }] });
    expect(bus.since(5)).toEqual({ lost: 0, events: [] });
    // Events 1 and 2 are gone: a client that saw none lost 2, one that saw 1 lost 1.
    expect(bus.since(0).lost).toBe(2);
    expect(bus.since(1).lost).toBe(1);
    expect(bus.since(1).events.map((event) => event.id)).toEqual([3, 4, 5]);
  });

  test("an id newer than any event (an earlier run) replays the whole ring, lost unknown", () => {
    const bus = createEventBus({ capacity: 3 });
    bus.publish("tick", {});
    expect(bus.since(99)).toMatchObject({ lost: null, events: [{ id: 1 }] });
  });

  test("unsubscribe removes the listener; a throwing listener does not stop the others", () => {
    const errors: unknown[] = [];
    const bus = createEventBus({ capacity: 3, onListenerError: (error) => errors.push(error) });
    const seen: string[] = [];
    const stop = bus.subscribe(() => {
      throw new Error("boom");
    });
    bus.subscribe((event) => seen.push(event.type));
    expect(bus.subscribers()).toBe(2);
    bus.publish("a", {});
    stop();
    bus.publish("b", {});
    expect(seen).toEqual(["a", "b"]);
    expect(errors).toHaveLength(1);
    expect(bus.subscribers()).toBe(1);
  });

  test("an empty bus has nothing to replay", () => {
    const bus = createEventBus({ capacity: 3 });
    expect(bus.recent(5)).toEqual([]);
    expect(bus.since(0)).toEqual({ lost: 0, events: [] });
  });
});
