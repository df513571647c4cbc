// The key set under the prefix as sluice last saw it, and the revision it reflects. Pure: fed by
// listings and watch events, it decides what is new, so replays and stale listings change nothing.
// Keys are compared as the bytes etcd holds (raw-text.ts keeps every byte), never as lossy text.
// It also keeps what changed since the listener last heard, key by key, so a change costs the
// same at 10 keys and at 100,000; the whole set is listed only when asked.

import type { KeyDelta, KeyValue } from "../model/types.ts";

export type MirrorEvent = {
  type: "put" | "delete";
  key: string;
  value: string;
  modRevision: number;
  /** The revision that created the key; 0 for a delete. */
  createRevision: number;
};

/** What a listing changed, by key. */
export type MirrorDiff = { added: number; removed: number; updated: number };

type Entry = { value: string; createRevision: number };

function sameEntry(old: Entry | undefined, next: Entry): boolean {
  return (
    old !== undefined && old.value === next.value && old.createRevision === next.createRevision
  );
}

export class KeyMirror {
  private readonly keys = new Map<string, Entry>();
  /** Each key changed since the last `takeChanges`, with its entry before the first change. */
  private readonly touched = new Map<string, Entry | undefined>();
  /** The key set as a list, kept until the next change (callers must not change it). */
  private listed: KeyValue[] | undefined;
  /** Every change up to this revision is in the mirror; 0 before the first listing. */
  revision = 0;

  get size(): number {
    return this.keys.size;
  }

  /** The whole key set; one list per change, shared by every caller until the next. */
  kvs(): KeyValue[] {
    this.listed ??= [...this.keys].map(([key, { value, createRevision }]) => ({
      key,
      value,
      createRevision,
    }));
    return this.listed;
  }

  /**
   * The keys whose entry differs from what it was at the last call (a key put and deleted again
   * in between is no change), in the order they were first changed; then forgets them.
   */
  takeChanges(): KeyDelta[] {
    const changes: KeyDelta[] = [];
    for (const [key, before] of this.touched) {
      const now = this.keys.get(key);
      if (now === undefined) {
        if (before !== undefined) changes.push({ key, value: undefined });
      } else if (!sameEntry(before, now)) {
        changes.push({ key, value: now.value, createRevision: now.createRevision });
      }
    }
    this.touched.clear();
    return changes;
  }

  private set(key: string, entry: Entry | undefined): void {
    if (!this.touched.has(key)) this.touched.set(key, this.keys.get(key));
    if (entry === undefined) this.keys.delete(key);
    else this.keys.set(key, entry);
    this.listed = undefined;
  }

  /**
   * Replaces the key set with a listing taken at `revision`. A listing older than what the mirror
   * already holds is ignored (returns undefined): events after it have been applied. A key
   * deleted and created again since counts as updated.
   */
  replace(kvs: readonly KeyValue[], revision: number): MirrorDiff | undefined {
    if (revision < this.revision) return undefined;
    const diff: MirrorDiff = { added: 0, removed: 0, updated: 0 };
    const next = new Map<string, Entry>();
    for (const { key, value, createRevision = 0 } of kvs) next.set(key, { value, createRevision });
    for (const key of [...this.keys.keys()]) {
      if (next.has(key)) continue;
      diff.removed++;
      this.set(key, undefined);
    }
    for (const [key, entry] of next) {
      const old = this.keys.get(key);
      if (old !== undefined && sameEntry(old, entry)) continue;
      if (old === undefined) diff.added++;
      else diff.updated++;
      this.set(key, entry);
    }
    this.revision = revision;
    return diff;
  }

  /**
   * Applies one watch response's events, in order. Events at or below the mirror's revision are
   * already in it (a listing covered them, or the stream replays them) and are skipped. Returns
   * whether the key set changed.
   */
  apply(events: readonly MirrorEvent[]): boolean {
    const floor = this.revision;
    let changed = false;
    for (const event of events) {
      if (event.modRevision <= floor) continue;
      const entry = { value: event.value, createRevision: event.createRevision };
      if (event.type === "delete") {
        if (this.keys.has(event.key)) {
          this.set(event.key, undefined);
          changed = true;
        }
      } else if (!sameEntry(this.keys.get(event.key), entry)) {
        this.set(event.key, entry);
        changed = true;
      }
      this.revision = Math.max(this.revision, event.modRevision);
    }
    return changed;
  }
}

export function isEmptyDiff(diff: MirrorDiff): boolean {
  return diff.added === 0 && diff.removed === 0 && diff.updated === 0;
}
