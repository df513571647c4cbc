// How many server slots a backend gets, and when it needs more. Slots grow ahead of demand: when
// a backend's free slots fall below its low-water mark, a background reload adds as many again
// (half the servers more past 4,096 slots), so a service grown from 1 to 10,000 reloads
// O(log n) times and no add waits. They shrink lazily, at
// a reload, once the service is much smaller than its slots. Pure.

import { SLOTS } from "../tunables.ts";
import type { LayoutOptions, Slot } from "./layout.ts";

/** A reload shrinks a backend whose servers fill at most this fraction of its slots. */
const SHRINK_BELOW = 0.25;

/** A backend wants more slots when its free ones fall below this fraction of them… */
const LOW_WATER = 0.125;

/** …or below this many: half the most spares a fresh backend gets, so that a backend never wants
 * a reload the moment it is laid out. */
const LOW_WATER_MOST = SLOTS.maxSpares / 2;

/** Past this many slots a backend grows by half its servers (at least SLOTS.maxSpares) rather
 * than doubling: each slot of a checked backend costs HAProxy a file descriptor. */
const DOUBLE_UP_TO = 4 * SLOTS.maxSpares;

/** Slots for `servers` servers in a backend that has none yet (or is shrunk). */
export function freshCapacity(servers: number, options: LayoutOptions): number {
  const ratio = Math.ceil(servers * options.spareRatio);
  const spares = Math.min(
    Math.max(options.minSpares, ratio),
    Math.max(options.minSpares, options.maxSpares),
  );
  return servers + spares;
}

/** Free slots below which a backend of `slots` slots wants more. */
export function lowWater(slots: number): number {
  return Math.max(2, Math.min(Math.ceil(slots * LOW_WATER), LOW_WATER_MOST));
}

/** Slots after growing a backend of `servers` servers out of `previous` slots. */
function grown(servers: number, previous: number): number {
  if (previous <= DOUBLE_UP_TO) return 2 * previous;
  return previous + Math.max(SLOTS.maxSpares, Math.ceil(servers / 2));
}

/**
 * Slots a reload gives a backend of `servers` servers that had `previous` config slots: more
 * (twice as many while small, half its servers more when large) once they ran low, fresh ones
 * once it is much smaller, else as many as before.
 */
export function slotCapacity(servers: number, options: LayoutOptions, previous?: number): number {
  const fresh = freshCapacity(servers, options);
  if (previous === undefined) return fresh;
  if (servers > 0 && previous - servers < lowWater(previous))
    return Math.max(grown(servers, previous), fresh);
  if (servers <= previous * SHRINK_BELOW) return Math.min(previous, fresh);
  return previous;
}

/** Why a backend's slots want a background reload; undefined while they have room. */
export function slotPressure(service: string, slots: readonly Slot[]): string | undefined {
  let configured = 0;
  let used = 0;
  let added = 0;
  for (const slot of slots) {
    if (slot.dynamic) {
      if (slot.server) added++;
      continue;
    }
    configured++;
    if (slot.server) used++;
  }
  if (added > 0) {
    return `${service}: ${added} server${added === 1 ? "" : "s"} added at runtime wait for slots`;
  }
  // An empty backend keeps what it has: only one that serves grows.
  if (used > 0 && configured - used < lowWater(configured)) {
    return `${service}: ${used} of ${configured} server slots used`;
  }
  return undefined;
}
