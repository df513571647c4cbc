// The last known key set, kept on disk so a restart while etcd is down serves what etcd last said.

import { existsSync, readFileSync } from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stagedPath, writeFileAtomic } from "./atomic-write.ts";
import { describeError } from "./errors.ts";
import type { Logger } from "./log.ts";
import type { KeyValue } from "./model/types.ts";
import { yieldToLoop } from "./yield-to-loop.ts";

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

/** Keys serialised between two yields to the event loop (~1 ms of work). */
const KEYS_PER_SLICE = 2000;

/**
 * writeSnapshot without stalling the event loop: the keys are serialised a slice at a time with
 * a yield between slices, and the file is written and renamed asynchronously. Same file.
 */
export async function writeSnapshotInSlices(
  path: string,
  revision: number,
  kvs: KeyValue[],
): Promise<void> {
  const parts = [`{"revision":${revision},"savedAt":"${new Date().toISOString()}","kvs":[`];
  for (let start = 0; start < kvs.length; start += KEYS_PER_SLICE) {
    const slice = JSON.stringify(kvs.slice(start, start + KEYS_PER_SLICE)).slice(1, -1);
    parts.push(start > 0 ? `,${slice}` : slice);
    await yieldToLoop();
  }
  parts.push("]}");
  const staged = stagedPath(path);
  try {
    await writeFile(staged, parts.join(""), { mode: 0o640 });
    await rename(staged, path);
  } catch (error) {
    await rm(staged, { force: true });
    throw error;
  }
}

export type SnapshotSaver = {
  /** Saves what `read` gives, at most once per `debounceMs`. */
  schedule(): void;
  cancel(): void;
};

/**
 * Saves the key set etcd last gave, at most every `debounceMs`, one save at a time (a change
 * during a save is saved after it); a failed save is logged.
 */
export function createSnapshotSaver(
  path: string,
  read: () => { revision: number; kvs: KeyValue[] },
  debounceMs: number,
  log: Logger,
): SnapshotSaver {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let saving = false;
  let again = false;
  const save = async () => {
    timer = undefined;
    saving = true;
    try {
      const { revision, kvs } = read();
      await writeSnapshotInSlices(path, revision, kvs);
    } catch (error) {
      log.warn("cannot save the etcd snapshot", { error: describeError(error) });
    } finally {
      saving = false;
      if (again) {
        again = false;
        saver.schedule();
      }
    }
  };
  const saver: SnapshotSaver = {
    schedule() {
      if (saving) again = true;
      else timer ??= setTimeout(() => void save(), debounceMs);
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      again = false;
    },
  };
  return saver;
}
