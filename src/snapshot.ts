// The last known key set, kept on disk so a restart while etcd is down serves what etcd last said.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic-write.ts";
import { describeError } from "./errors.ts";
import type { Logger } from "./log.ts";
import type { KeyValue } from "./model/types.ts";

export type Snapshot = { revision: number; savedAt: string; kvs: KeyValue[] };

export function snapshotPath(stateDir: string): string {
  return join(stateDir, "snapshot.json");
}

/**
 * Reads the snapshot, or undefined when there is none or it is not one. Keys keep their bytes
 * (JSON writes a byte that is not UTF-8 as a lone-surrogate escape) and creation revisions.
 */
export function readSnapshot(path: string): Snapshot | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
    const valid =
      Number.isInteger(parsed.revision) &&
      Array.isArray(parsed.kvs) &&
      parsed.kvs.every(
        (kv) =>
          typeof kv.key === "string" &&
          typeof kv.value === "string" &&
          (kv.createRevision === undefined || Number.isInteger(kv.createRevision)),
      );
    if (!valid) return undefined;
    // Snapshots saved before creation revisions were kept: every key counts as created at 0.
    const kvs = parsed.kvs.map(({ key, value, createRevision = 0 }) => ({
      key,
      value,
      createRevision,
    }));
    return { ...parsed, kvs };
  } catch {
    return undefined;
  }
}

/** Writes the snapshot atomically (stage beside it, then rename). */
export function writeSnapshot(path: string, revision: number, kvs: KeyValue[]): void {
  const snapshot: Snapshot = { revision, savedAt: new Date().toISOString(), kvs };
  writeFileAtomic(path, JSON.stringify(snapshot));
}

export type SnapshotSaver = {
  /** Saves what `read` gives, at most once per `debounceMs`. */
  schedule(): void;
  cancel(): void;
};

/** Saves the key set etcd last gave, at most every `debounceMs`; a failed save is logged. */
export function createSnapshotSaver(
  path: string,
  read: () => { revision: number; kvs: KeyValue[] },
  debounceMs: number,
  log: Logger,
): SnapshotSaver {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    schedule() {
      if (timer) return;
      timer = setTimeout(() => {
        timer = undefined;
        try {
          const { revision, kvs } = read();
          writeSnapshot(path, revision, kvs);
        } catch (error) {
          log.warn("cannot save the etcd snapshot", { error: describeError(error) });
        }
      }, debounceMs);
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
