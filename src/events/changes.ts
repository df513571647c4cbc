// The `change` events of each update from etcd, from the keys it says changed (never by comparing
// whole key sets). Newly rejected keys and newly held removals of an apply likewise. At most a
// limit of events per update; the rest are counted in one more.

import type { Hold } from "../model/guards.ts";
import type { KeyDelta, Rejected } from "../model/types.ts";

export type Publish = (type: string, data: Record<string, unknown>) => void;

/** Publishes `change` for each changed key of every update, at most `limit` per update. */
export function createChangePublisher(publish: Publish, limit: number) {
  return (changes: readonly KeyDelta[], revision: number) => {
    for (const { key, value } of changes.slice(0, limit)) {
      publish("change", { key, kind: value === undefined ? "delete" : "put", revision });
    }
    if (changes.length > limit) {
      publish("changes_omitted", { count: changes.length - limit, revision });
    }
  };
}

/** Publishes `rejected` for keys rejected now that were not at the last call. */
export function createRejectionPublisher(publish: Publish, limit: number) {
  let previous = new Set<string>();
  let last: readonly Rejected[] | undefined;
  return (rejected: readonly Rejected[]) => {
    // The model keeps its list while no rejection changed: nothing new, nothing to walk.
    if (rejected === last) return;
    last = rejected;
    const fresh = rejected.filter((entry) => !previous.has(entry.key));
    previous = new Set(rejected.map((entry) => entry.key));
    for (const { key, reason } of fresh.slice(0, limit)) publish("rejected", { key, reason });
    if (fresh.length > limit) publish("rejected_omitted", { count: fresh.length - limit });
  };
}

/** Publishes `removal_held` for each service whose removals are held now and were not before. */
export function createHoldPublisher(publish: Publish) {
  let previous = new Set<string>();
  return (holds: readonly Hold[]) => {
    for (const hold of holds) {
      if (previous.has(hold.service)) continue;
      publish("removal_held", {
        service: hold.service,
        held: hold.held,
        of: hold.of,
        reason: hold.reason,
      });
    }
    previous = new Set(holds.map((hold) => hold.service));
  };
}
