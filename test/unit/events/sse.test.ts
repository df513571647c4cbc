import { describe, expect, test } from "bun:test";
import { createEventBus } from "../../../src/events/bus.ts";
import { createEventStream, formatEvent, formatGap, resumeId } from "../../../src/events/sse.ts";

describe("SSE format", () => {
  test("an event is id, event and one data line of JSON, ended by a blank line", () => {
    const text = formatEvent({
      id: 7,
      type: "reload",
      at: "2026-01-01T00:00:00.000Z",
      data: { ok: false, error: "line one\nline two" },
    });
    expect(text).toBe(
      'id: 7\nevent: reload\ndata: {"id":7,"type":"reload","at":"2026-01-01T00:00:00.000Z","ok":false,"error":"line one\\nline two"}\n\n',
    );
  });

  test("a gap has no id, so the client's Last-Event-ID stays", () => {
    expect(formatGap(3, 5)).toBe('event: gap\ndata: {"last_event_id":3,"lost":5}\n\n');
  });

  test("the resume id comes from the header first, then the query; junk is ignored", () => {
    expect(resumeId("12", "3")).toBe(12);
    expect(resumeId(undefined, "3")).toBe(3);
    expect(resumeId("abc", undefined)).toBeUndefined();
    expect(resumeId(undefined, undefined)).toBeUndefined();
  });
});

async function readUntil(
  reader: { read(): Promise<{ value?: Uint8Array; done: boolean }> },
  needle: string,
) {
  let text = "";
  const decoder = new TextDecoder();
  while (!text.includes(needle)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value);
  }
  return text;
}

describe("event stream", () => {
  test("replays what was missed after a gap, then live events, and unsubscribes on cancel", async () => {
    const bus = createEventBus({ capacity: 2 });
    for (let i = 1; i <= 4; i++) bus.publish("tick", { i });
    const stream = createEventStream({ bus, lastId: 1, heartbeatMs: 60_000, maxQueued: 100 });
    const reader = stream.getReader();
    expect(bus.subscribers()).toBe(1);
    bus.publish("tick", { i: 5 });
    const text = await readUntil(reader, "id: 5\n");
    // Event 2 fell out of the ring; 3 and 4 are replayed, then 5 arrives live, each once.
    expect(text.indexOf("event: gap")).toBeLessThan(text.indexOf("id: 3\n"));
    expect(text).toContain('"lost":1');
    expect(text.match(/^id: \d+$/gm)).toEqual(["id: 3", "id: 4", "id: 5"]);
    await reader.cancel();
    expect(bus.subscribers()).toBe(0);
  });

  test("an aborted request ends the stream and its subscription", async () => {
    const bus = createEventBus({ capacity: 2 });
    const abort = new AbortController();
    const stream = createEventStream({
      bus,
      lastId: undefined,
      heartbeatMs: 10,
      maxQueued: 100,
      signal: abort.signal,
    });
    const reader = stream.getReader();
    expect(await readUntil(reader, ": heartbeat")).toContain(": connected");
    abort.abort();
    expect(bus.subscribers()).toBe(0);
    expect((await reader.read()).done).toBe(true);
  });

  test("a client too far behind is closed rather than buffered without bound", async () => {
    const bus = createEventBus({ capacity: 10 });
    const stream = createEventStream({ bus, lastId: undefined, heartbeatMs: 60_000, maxQueued: 3 });
    for (let i = 0; i < 10; i++) bus.publish("tick", { i });
    expect(bus.subscribers()).toBe(0);
    const text = await readUntil(stream.getReader(), "never");
    expect(text.match(/^id: /gm)?.length ?? 0).toBeLessThan(10);
  });
});
