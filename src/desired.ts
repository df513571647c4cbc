// The desired state: the newest key set from etcd (or, until etcd answers, the one saved on
// disk), its revision, the log of keys changed since, and when the oldest change not yet applied
// arrived. The whole set is listed only when asked; a change costs the keys it touched.

import type { KeySetUpdate } from "./discovery/types.ts";
import type { KeyDelta, KeyValue } from "./model/types.ts";
import type { ChangeLog, Desired } from "./reconcile/types.ts";
import type { Snapshot } from "./snapshot.ts";
import { MODEL } from "./tunables.ts";

/** Where the desired keys came from: etcd itself, the snapshot on disk, or nowhere yet. */
export type DesiredSource = "none" | "snapshot" | "etcd";

export type DesiredStore = {
  current(): Desired;
  source(): DesiredSource;
  /** A change from etcd (or the key file). */
  fromEtcd(update: KeySetUpdate): void;
  /** The key set saved on disk, used only while etcd has not answered. Returns whether used. */
  fromSnapshot(snapshot: Snapshot): boolean;
  /** Whether a change from etcd arrived that no apply has taken yet. */
  changePending(): boolean;
  /** When the oldest change not yet applied arrived (performance.now()), and forgets it. */
  takeChangedAt(): number | undefined;
};

/**
 * The keys changed, position by position: each change moves the position by one. Entries before
 * `start` are forgotten (taken, or dropped past the limit); a state given whole (a listing, the
 * snapshot) starts the log again one past the end, so no state before it is built from changes.
 */
export function createChangeLog(limit: number = MODEL.changeLogLimit) {
  let start = 0;
  let entries: KeyDelta[] = [];
  return {
    position: () => start + entries.length,
    /** Appends changes; a log past `limit` forgets them all (the next build is whole). */
    append(changes: readonly KeyDelta[]): void {
      for (const change of changes) entries.push(change);
      if (entries.length > limit) this.restart();
    },
    /** Forgets every entry, and moves past them: states before now can no longer be built
     * from changes. */
    restart(): void {
      start += entries.length + 1;
      entries = [];
    },
    /** The view of the log a Desired at the current position carries. */
    at(position: number): ChangeLog {
      return {
        position,
        since(from) {
          if (from < start || from > position) return undefined;
          const taken = entries.slice(from - start, position - start);
          // One reader builds from the log: what it has read is not asked for again.
          entries = entries.slice(from - start);
          start = from;
          return taken;
        },
      };
    },
  };
}

export function createDesiredStore(now: () => number = () => performance.now()): DesiredStore {
  let revision = 0;
  let listKeys: () => KeyValue[] = () => [];
  let source: DesiredSource = "none";
  let changedAt: number | undefined;
  const log = createChangeLog();
  return {
    current() {
      const kvs = listKeys;
      return {
        revision,
        log: log.at(log.position()),
        get kvs() {
          return kvs();
        },
      };
    },
    source: () => source,
    fromEtcd(update) {
      // A listing may differ from the state before it in ways no change says (the snapshot's
      // keys, events missed): the next build is whole.
      if (source !== "etcd" || update.relisted) log.restart();
      else log.append(update.changes);
      revision = update.revision;
      listKeys = update.kvs;
      source = "etcd";
      changedAt ??= now();
    },
    fromSnapshot(snapshot) {
      if (source !== "none") return false;
      log.restart();
      revision = snapshot.revision;
      listKeys = () => snapshot.kvs;
      source = "snapshot";
      return true;
    },
    changePending: () => changedAt !== undefined,
    takeChangedAt() {
      const at = changedAt;
      changedAt = undefined;
      return at;
    },
  };
}
