// The key set under the prefix as sluice last saw it, and the revision it reflects. Pure: fed by
// listings and watch events, it decides what is new, so replays and stale listings change nothing.
// Keys are compared as the bytes etcd holds (raw-text.ts keeps every byte), never as lossy text.

import type { KeyValue } from "../model/types.ts";

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
  /** Every change up to this revision is in the mirror; 0 before the first listing. */
  revision = 0;

  get size(): number {
    return this.keys.size;
  }

  kvs(): KeyValue[] {
    return [...this.keys].map(([key, { value, createRevision }]) => ({
      key,
      value,
      createRevision,
    }));
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
    for (const { key, value, createRevision = 0 } of kvs) {
      const entry = { value, createRevision };
      next.set(key, entry);
      const old = this.keys.get(key);
      if (old === undefined) diff.added++;
      else if (!sameEntry(old, entry)) diff.updated++;
    }
    for (const key of this.keys.keys()) if (!next.has(key)) diff.removed++;
    this.keys.clear();
    for (const [key, entry] of next) this.keys.set(key, entry);
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
      if (event.type === "delete") changed = this.keys.delete(event.key) || changed;
      else if (!sameEntry(this.keys.get(event.key), entry)) {
        this.keys.set(event.key, entry);
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
