// Which backends want a background reload for their slots (model/capacity.ts), kept up to date
// service by service: an apply looks only at the services it changed, a reload at all of them.

import { slotPressure } from "../model/capacity.ts";
import type { Layout } from "../model/layout.ts";

/** Reasons named one by one; the rest are counted. */
const LISTED = 5;

export type SlotPressure = {
  /** Looks again at `changed` services of `layout` (all of them when undefined). */
  update(layout: Layout | undefined, changed?: ReadonlySet<string>): void;
  /** Why a background reload is wanted; empty when none is. */
  reasons(): string[];
};

export function createSlotPressure(): SlotPressure {
  const wanting = new Map<string, string>();
  return {
    update(layout, changed) {
      if (!layout) return wanting.clear();
      if (changed === undefined) wanting.clear();
      for (const service of changed ?? layout.keys()) {
        const slots = layout.get(service);
        const reason = slots && slotPressure(service, slots);
        if (reason === undefined) wanting.delete(service);
        else wanting.set(service, reason);
      }
    },
    reasons() {
      if (wanting.size === 0) return [];
      const listed: string[] = [];
      for (const reason of wanting.values()) {
        if (listed.length === LISTED) break;
        listed.push(reason);
      }
      const more = wanting.size - listed.length;
      return more > 0 ? [...listed, `${more} more backends want slots`] : listed;
    },
  };
}
