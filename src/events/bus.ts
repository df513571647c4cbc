// The event bus: what happened in the daemon (changes, applies, reloads, health, overrides), each
// with an id that grows by one from 1, kept in a bounded ring so a client that reconnects can be
// told what it missed. Listeners are called synchronously, in publish order.

/** One event: `data` fields are snake_case and stable (README "Admin API" lists them). */
export type SluiceEvent = {
  id: number;
  type: string;
  /** When it was published (ISO 8601). */
  at: string;
  data: Record<string, unknown>;
};

export type EventListener = (event: SluiceEvent) => void;

/** What a client that saw events up to `lastId` missed. */
export type Missed = {
  /** The events after `lastId` still in the ring, oldest first. */
  events: SluiceEvent[];
  /** How many events after `lastId` fell out of the ring before they could be replayed; null
   * when `lastId` is newer than any event (ids of an earlier run of sluice): unknown. */
  lost: number | null;
};

export type EventBus = {
  publish(type: string, data: Record<string, unknown>): SluiceEvent;
  /** Calls `listener` for every event published from now on; returns the unsubscribe. */
  subscribe(listener: EventListener): () => void;
  /** What came after event `lastId` (0: from the start). */
  since(lastId: number): Missed;
  /** The newest `limit` events, oldest first. */
  recent(limit: number): SluiceEvent[];
  /** The id of the newest event; 0 before any. */
  lastId(): number;
  /** How many listeners are subscribed (a closed SSE client must not stay one). */
  subscribers(): number;
};

export type EventBusOptions = {
  /** Events kept for replay; the oldest is dropped beyond it. */
  capacity: number;
  now?: () => Date;
  /** Told when a listener throws; the event still reaches the others. */
  onListenerError?: (error: unknown) => void;
};

export function createEventBus(options: EventBusOptions): EventBus {
  const capacity = Math.max(1, Math.floor(options.capacity));
  const now = options.now ?? (() => new Date());
  const ring: (SluiceEvent | undefined)[] = new Array(capacity);
  const listeners = new Set<EventListener>();
  let newest = 0;
  /** The id of the oldest event still in the ring (newest + 1 when empty). */
  const oldest = () => Math.max(1, newest - capacity + 1);
  const range = (from: number): SluiceEvent[] => {
    const events: SluiceEvent[] = [];
    for (let id = Math.max(from, oldest()); id <= newest; id++) {
      events.push(ring[(id - 1) % capacity]!);
    }
    return events;
  };

  return {
    publish(type, data) {
      const event: SluiceEvent = { id: ++newest, type, at: now().toISOString(), data };
      ring[(event.id - 1) % capacity] = event;
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          options.onListenerError?.(error);
        }
      }
      return event;
    },
    subscribe(listener) {
      // Wrapped, so the same function subscribed twice is two subscriptions.
      const entry: EventListener = (event) => listener(event);
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    since(lastId) {
      if (lastId > newest) return { events: range(1), lost: null };
      const first = Math.max(0, lastId) + 1;
      return { events: range(first), lost: Math.max(0, oldest() - first) };
    },
    recent(limit) {
      return range(newest - Math.max(0, Math.floor(limit)) + 1);
    },
    lastId: () => newest,
    subscribers: () => listeners.size,
  };
}
