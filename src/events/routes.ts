// `GET /v1/events`: the bus as server-sent events, or with `?format=json` the recent events as
// one JSON document (what `lbctl events` reads).

import type { Hono, MiddlewareHandler } from "hono";
import { SluiceError } from "../errors.ts";
import { EVENTS } from "../tunables.ts";
import type { EventBus } from "./bus.ts";
import { createEventStream, resumeId } from "./sse.ts";

export type EventRouteOptions = {
  heartbeatMs?: number;
  /** Read access (the access helper's `readAccess`); none when omitted. */
  guard?: MiddlewareHandler;
};

/** Adds `GET /v1/events` over `bus` to `app`. */
export function addEventRoutes(app: Hono, bus: EventBus, options: EventRouteOptions = {}): void {
  const guard: MiddlewareHandler = options.guard ?? (async (_context, next) => await next());
  app.get("/v1/events", guard, (context) => {
    if (context.req.query("format") === "json") {
      const limit = jsonLimit(context.req.query("limit"));
      return context.json({ events: bus.recent(limit) });
    }
    const stream = createEventStream({
      bus,
      lastId: resumeId(context.req.header("last-event-id"), context.req.query("last_event_id")),
      heartbeatMs: options.heartbeatMs ?? EVENTS.heartbeatMs,
      maxQueued: EVENTS.maxQueuedPerClient,
      signal: context.req.raw.signal,
    });
    return new Response(stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache",
        // nginx and the like would otherwise hold events back in their buffers.
        "x-accel-buffering": "no",
      },
    });
  });
}

/** `?limit=`: 1 to EVENTS.maxJsonLimit, default 100. */
function jsonLimit(text: string | undefined): number {
  if (text === undefined) return 100;
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1) {
    throw new SluiceError(
      "usage",
      `limit must be a whole number from 1, got ${JSON.stringify(text)}`,
    );
  }
  return Math.min(Number(text), EVENTS.maxJsonLimit);
}
