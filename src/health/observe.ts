// Maps `show servers state` rows to the model's servers through the served slot layout: a row is
// (backend, slot name); free slots and rows of slots that changed during the read are skipped. Pure.

import type { Layout, Slot } from "../model/layout.ts";
import type { Server } from "../model/types.ts";
import { describeCheckStatus } from "./check-status.ts";
import { CHECK_FAILED, healthStateOf, type ServerStateRow } from "./servers-state.ts";
import type { Observation } from "./tracker.ts";

/** Slots by backend, then by HAProxy server name. */
export type SlotIndex = Map<string, Map<string, Slot>>;

export function indexLayout(layout: Layout): SlotIndex {
  const index: SlotIndex = new Map();
  for (const [service, slots] of layout) {
    index.set(service, new Map(slots.map((slot) => [slot.name, slot])));
  }
  return index;
}

/** What one read of the servers' state gives. */
export type MappedRows = {
  observations: Observation[];
  /** Keys served but not readable this time (their slot changed during the read, or HAProxy
   * does not yet serve the address the layout says): their previous health is kept. */
  unsettled: Set<string>;
  /** For each observation, its row (to fetch the details of a failed check). */
  rows: Map<string, ServerStateRow>;
};

/** Whether HAProxy serves `server` at that row: same port, and same IP unless it is a DNS name
 * (HAProxy shows the address it resolved). */
function servesAddress(row: ServerStateRow, server: Server): boolean {
  if (row.port !== server.port) return false;
  const literal = /^[\d.]+$/.test(server.host) || server.host.includes(":");
  return !literal || row.address === server.host;
}

/**
 * The observations of `rows`, read between two looks at the served layout (`before` and `after`,
 * the same index when the layout did not change). A slot whose server differs between the two is
 * unsettled: the row may describe either server.
 */
export function mapRows(
  rows: readonly ServerStateRow[],
  before: SlotIndex,
  after: SlotIndex,
): MappedRows {
  const mapped: MappedRows = { observations: [], unsettled: new Set(), rows: new Map() };
  for (const row of rows) {
    const slot = after.get(row.backend)?.get(row.name);
    const server = slot?.server;
    if (!server) continue;
    const earlier = before === after ? slot : before.get(row.backend)?.get(row.name);
    if (earlier?.server !== server || !servesAddress(row, server)) {
      mapped.unsettled.add(server.key);
      continue;
    }
    mapped.rows.set(server.key, row);
    mapped.observations.push({
      service: row.backend,
      name: server.name,
      key: server.key,
      address: server.address,
      state: healthStateOf(row),
      checkStatus: row.checkStatus,
      error: row.checkResult === CHECK_FAILED ? describeCheckStatus(row.checkStatus) : null,
      stateAgeMs: Math.max(0, row.secondsSinceChange) * 1000,
    });
  }
  return mapped;
}

/** Keys of every server in `layout` (served, so worth keeping while unread). */
export function servedKeys(layout: Layout): Set<string> {
  const keys = new Set<string>();
  for (const slots of layout.values()) {
    for (const slot of slots) if (slot.server) keys.add(slot.server.key);
  }
  return keys;
}
