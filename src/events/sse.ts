// Server-sent events over the bus: the wire format (`id:`, `event:`, `data:` lines), and one
// client's stream: what it missed first (a `gap` when some fell out of the ring), then live
// events, heartbeat comments in between, and no subscription left once it goes away.

import type { EventBus, SluiceEvent } from "./bus.ts";

/** One event as SSE lines. JSON never holds a raw newline, so `data` is one line. */
export function formatEvent(event: SluiceEvent): string {
  const data = JSON.stringify({ id: event.id, type: event.type, at: event.at, ...event.data });
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${data}\n\n`;
}

/** Tells a reconnecting client that `lost` events (null: an unknown number) are gone. It has no
 * `id:`, so the client's Last-Event-ID stays where it was. */
export function formatGap(lastId: number, lost: number | null): string {
  return `event: gap\ndata: ${JSON.stringify({ last_event_id: lastId, lost })}\n\n`;
}

export const HEARTBEAT = ": heartbeat\n\n";

/** The id a client resumes after: `Last-Event-ID` (what browsers send), else the query
 * parameter; undefined without either, or when it is not a whole number. */
export function resumeId(
  header: string | undefined,
  query: string | undefined,
): number | undefined {
  const text = header ?? query;
  if (text === undefined || !/^\d{1,15}$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

export type EventStreamOptions = {
  bus: EventBus;
  /** The last event the client saw; undefined: only live events. */
  lastId: number | undefined;
  heartbeatMs: number;
  /** More chunks than this waiting for a slow client close its stream. */
  maxQueued: number;
  /** The request's signal: the stream ends when the client goes away. */
  signal?: AbortSignal;
};

/** One client's event stream. */
export function createEventStream(options: EventStreamOptions): ReadableStream<Uint8Array> {
  const { bus } = options;
  const encoder = new TextEncoder();
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        let open = true;
        let unsubscribe = () => {};
        let heartbeat: ReturnType<typeof setInterval> | undefined;
        const close = () => {
          cleanup();
          try {
            controller.close();
          } catch {
            // Already closed or cancelled.
          }
        };
        cleanup = () => {
          if (!open) return;
          open = false;
          unsubscribe();
          clearInterval(heartbeat);
          options.signal?.removeEventListener("abort", close);
        };
        const send = (text: string) => {
          if (!open) return;
          if ((controller.desiredSize ?? 0) < -options.maxQueued) {
            // Too far behind: close; it reconnects with Last-Event-ID and is told what it lost.
            close();
            return;
          }
          controller.enqueue(encoder.encode(text));
        };
        options.signal?.addEventListener("abort", close);
        // A comment first, so the client sees the stream open before any event.
        send(": connected\n\n");
        // Replay and subscribe in one turn: no event can fall between the two.
        if (options.lastId !== undefined) {
          const missed = bus.since(options.lastId);
          if (missed.lost !== 0) send(formatGap(options.lastId, missed.lost));
          for (const event of missed.events) send(formatEvent(event));
        }
        if (!open) return;
        unsubscribe = bus.subscribe((event) => send(formatEvent(event)));
        heartbeat = setInterval(() => send(HEARTBEAT), options.heartbeatMs);
        if (options.signal?.aborted) close();
      },
      cancel() {
        cleanup();
      },
    },
    { highWaterMark: 0 },
  );
}
