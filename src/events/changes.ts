// What a new key set changed, key by key, for `change` events: each update from etcd is the whole
// prefix, so it is compared with the one before. Newly rejected keys and newly held removals of an
// apply likewise. At most a limit of events per update; the rest are counted in one more.

import type { Hold } from "../model/guards.ts";
import type { KeyValue, Rejected } from "../model/types.ts";

export type Publish = (type: string, data: Record<string, unknown>) => void;

export type KeyChange = { key: string; kind: "put" | "delete" };

/** Keys put (new or changed) or deleted from `previous` to `next`. */
export function keyChanges(
  previous: ReadonlyMap<string, string>,
  next: ReadonlyMap<string, string>,
): KeyChange[] {
  const changes: KeyChange[] = [];
  for (const [key, value] of next) {
    if (previous.get(key) !== value) changes.push({ key, kind: "put" });
  }
  for (const key of previous.keys()) if (!next.has(key)) changes.push({ key, kind: "delete" });
  return changes;
}

/** A key set as key → what identifies its value (a key deleted and put again differs). */
export function keyIndex(kvs: readonly KeyValue[]): Map<string, string> {
  return new Map(kvs.map((kv) => [kv.key, `${kv.createRevision ?? 0} ${kv.value}`]));
}

/** Publishes `change` for each changed key of every new key set, at most `limit` per set. */
export function createChangePublisher(publish: Publish, limit: number) {
  let previous = new Map<string, string>();
  return (kvs: readonly KeyValue[], revision: number) => {
    const next = keyIndex(kvs);
    const changes = keyChanges(previous, next);
    previous = next;
    for (const { key, kind } of changes.slice(0, limit)) publish("change", { key, kind, revision });
    if (changes.length > limit) {
      publish("changes_omitted", { count: changes.length - limit, revision });
    }
  };
}

/** Publishes `rejected` for keys rejected now that were not at the last call. */
export function createRejectionPublisher(publish: Publish, limit: number) {
  let previous = new Set<string>();
  return (rejected: readonly Rejected[]) => {
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
