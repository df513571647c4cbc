// `lbctl watch`: follows GET /v1/events (server-sent events) and hands each event on, until
// stopped. When the stream ends (the daemon restarted), it reconnects with Last-Event-ID, so
// the daemon replays what was missed from its ring.

import { SluiceError } from "../errors.ts";
import { type AdminTarget, answerError, sendAdmin } from "./admin-client.ts";
import type { AdminEvent } from "./format-events.ts";

/** How long to wait before reconnecting, and at most: the daemon restarts in about a second. */
const RETRY_MS = 250;
const MAX_RETRY_MS = 2000;

/**
 * The event of one frame. sluice's `data:` is the event with its data fields beside id, type and
 * at (`{id, type, at, ...data}`); a nested `data` object, or bare data, is read too. A frame
 * without `id:` (a `gap`) has id NaN.
 */
function eventOf(
  id: string | undefined,
  type: string,
  parsed: Record<string, unknown>,
): AdminEvent {
  const { id: ownId, type: ownType, at, data: nested, ...rest } = parsed;
  const onlyNested =
    typeof nested === "object" && nested !== null && Object.keys(rest).length === 0;
  const data = onlyNested ? (nested as Record<string, unknown>) : { ...rest };
  if (!onlyNested && nested !== undefined) data.data = nested;
  return {
    id: Number(id ?? ownId),
    type: typeof ownType === "string" ? ownType : type,
    at: typeof at === "string" ? at : new Date().toISOString(),
    data,
  };
}

/** Parses a text/event-stream body into events. */
export function createEventParser(onEvent: (event: AdminEvent) => void) {
  let buffer = "";
  let id: string | undefined;
  let type = "message";
  let data: string[] = [];
  const dispatch = () => {
    if (data.length > 0) onEvent(eventOf(id, type, JSON.parse(data.join("\n"))));
    id = undefined;
    type = "message";
    data = [];
  };
  const line = (text: string) => {
    if (text === "") return dispatch();
    if (text.startsWith(":")) return; // a heartbeat
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? "" : text.slice(colon + 1).replace(/^ /, "");
    if (field === "id") id = value;
    else if (field === "event") type = value;
    else if (field === "data") data.push(value);
  };
  return {
    push(chunk: string) {
      buffer += chunk;
      let end = buffer.search(/\r\n|\n|\r/);
      // A CR that ends the chunk may be the first half of a CRLF: wait for the next chunk.
      while (end >= 0 && !(end === buffer.length - 1 && buffer[end] === "\r")) {
        const newline = buffer.startsWith("\r\n", end) ? 2 : 1;
        line(buffer.slice(0, end));
        buffer = buffer.slice(end + newline);
        end = buffer.search(/\r\n|\n|\r/);
      }
    },
  };
}

export type WatchOptions = {
  target: AdminTarget;
  signal: AbortSignal;
  onEvent: (event: AdminEvent) => void;
  /** Told when the stream is lost and when it is back. */
  onNotice: (text: string) => void;
};

/** Reads one connection to its end; throws when the daemon answers with an error. */
async function follow(
  options: WatchOptions,
  lastId: number | undefined,
): Promise<number | undefined> {
  const headers: Record<string, string> = lastId ? { "last-event-id": String(lastId) } : {};
  const response = await sendAdmin(options.target, "/v1/events", {
    accept: "text/event-stream",
    headers,
    signal: options.signal,
  });
  if (response.status >= 400 || !response.body) {
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    throw answerError(options.target, "/v1/events", { status: response.status, body });
  }
  if (lastId !== undefined) options.onNotice(`reconnected; replaying after event ${lastId}`);
  let last = lastId;
  const parser = createEventParser((event) => {
    if (Number.isInteger(event.id)) last = event.id;
    options.onEvent(event);
  });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body) parser.push(decoder.decode(chunk, { stream: true }));
  } catch (error) {
    if (options.signal.aborted) return last;
    options.onNotice(`lost the event stream: ${(error as Error).message}`);
  }
  return last;
}

/**
 * Follows the events until `signal` aborts. The first connection must succeed (else it throws:
 * sluice is not running); after that a lost stream is retried for as long as it takes.
 */
export async function watchEvents(options: WatchOptions): Promise<void> {
  let lastId = await follow(options, undefined);
  let delay = RETRY_MS;
  while (!options.signal.aborted) {
    options.onNotice(
      `the daemon closed the event stream; reconnecting (after event ${lastId ?? "none"})`,
    );
    for (;;) {
      await Bun.sleep(delay);
      if (options.signal.aborted) return;
      try {
        lastId = await follow(options, lastId);
        delay = RETRY_MS;
        break;
      } catch (error) {
        if (options.signal.aborted) return;
        // A refused token will not get better by waiting.
        if (error instanceof SluiceError && error.code === "unauthorized") throw error;
        delay = Math.min(delay * 2, MAX_RETRY_MS);
      }
    }
  }
}
