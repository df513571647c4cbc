// `lbctl watch` follows /v1/events: one line per event (one JSON object per line with --json),
// heartbeats ignored, and when the daemon closes the stream it reconnects with Last-Event-ID and
// gets what it missed. A daemon that is not there fails at once with the not-running message.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEventParser } from "../../../src/cli/watch.ts";
import { runLbctl } from "../../helpers/cli.ts";
import { type FakeAdmin, startFakeAdmin } from "../../helpers/fake-admin.ts";
import { waitFor } from "../../helpers/ports.ts";
import { EVENTS } from "./fixtures.ts";

const fakes: FakeAdmin[] = [];
afterEach(() => {
  for (const fake of fakes.splice(0)) fake.stop();
});

/** An event as sluice sends it: its data fields beside id, type and at. */
const frame = ({ data, ...event }: (typeof EVENTS)[number]) =>
  `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify({ ...event, ...data })}\n\n`;

/** A daemon whose first stream sends events 1 and 2 and ends (a restart); the next one replays
 * what follows Last-Event-ID and stays open. */
function restartingDaemon(): FakeAdmin {
  let connections = 0;
  const fake = startFakeAdmin((_request, seen) => {
    if (!seen.path.startsWith("/v1/events")) return undefined;
    connections++;
    const after = Number(seen.lastEventId ?? 0);
    const events = EVENTS.filter((event) => event.id > after).slice(0, connections === 1 ? 2 : 3);
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(
          new TextEncoder().encode(`: heartbeat\n\n${events.map(frame).join("")}`),
        );
        if (connections === 1) controller.close();
      },
    });
    return new Response(body, { headers: { "content-type": "text/event-stream" } });
  });
  fakes.push(fake);
  return fake;
}

async function watch(fake: FakeAdmin, extra: string[], until: (out: string) => boolean) {
  const controller = new AbortController();
  const out: string[] = [];
  const err: string[] = [];
  const done = (async () => {
    const { runCommand } = await import("../../../src/cli/commands.ts");
    return runCommand("lbctl", ["watch", "--admin", fake.url, ...extra], {
      out: (text) => out.push(text),
      err: (text) => err.push(text),
      signal: controller.signal,
    });
  })();
  await waitFor("the events", async () => until(out.join("")), 5000, 10);
  controller.abort();
  return { code: await done, out: out.join(""), err: err.join("") };
}

describe("lbctl watch", () => {
  test("prints a line per event and, when the stream ends, reconnects with Last-Event-ID", async () => {
    const fake = restartingDaemon();
    const result = await watch(fake, [], (out) => out.split("\n").length > 3);
    expect(result.code).toBe(0);
    expect(result.out.split("\n").map((line) => line.split(/ +/).slice(1, 3).join(" "))).toEqual([
      "1 change",
      "2 reload",
      "3 health",
      "",
    ]);
    const streams = fake.seen.filter((seen) => seen.path === "/v1/events");
    expect(streams.map((seen) => seen.lastEventId)).toEqual([null, "2"]);
    expect(result.err).toContain("lbctl watch: the daemon closed the event stream; reconnecting");
    expect(result.err).toContain("lbctl watch: reconnected; replaying after event 2");
  });

  test("--json prints each event as one JSON object per line", async () => {
    const fake = restartingDaemon();
    const result = await watch(fake, ["--json"], (out) => out.split("\n").length > 3);
    expect(
      result.out
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line)),
    ).toEqual(EVENTS);
  });

  test("no daemon: exit 1 with the not-running message, no retrying", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-watch-unit-"));
    try {
      const file = join(dir, "sluice.toml");
      writeFileSync(file, `[admin]\nsocket = "${join(dir, "admin.sock")}"\n`);
      const result = await runLbctl(["watch", "--config", file]);
      expect(result.code).toBe(1);
      expect(result.err).toContain(
        `sluice is not running (no socket at ${join(dir, "admin.sock")})`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the event-stream parser", () => {
  test("reads frames split anywhere, CRLF too, nested and data-only frames, and gaps", () => {
    const seen: unknown[] = [];
    const parser = createEventParser((event) => seen.push(event));
    const text = [
      frame(EVENTS[0]!),
      'id: 9\r\nevent: log_level\r\ndata: {"level":"debug"}\r\n\r\n',
      `id: 3\nevent: health\ndata: ${JSON.stringify(EVENTS[2])}\n\n`,
      'event: gap\ndata: {"last_event_id":9,"lost":null}\n\n',
    ].join("");
    for (const char of text) parser.push(char);
    expect(seen[0]).toEqual(EVENTS[0]);
    expect(seen[1]).toMatchObject({ id: 9, type: "log_level", data: { level: "debug" } });
    expect(seen[2]).toEqual(EVENTS[2]);
    expect(seen[3]).toMatchObject({
      id: Number.NaN,
      type: "gap",
      data: { last_event_id: 9, lost: null },
    });
  });
});
