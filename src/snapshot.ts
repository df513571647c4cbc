// The last known key set, kept on disk so a restart while etcd is down serves what etcd last said.

import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KeyValue } from "./model/types.ts";

export type Snapshot = { revision: number; savedAt: string; kvs: KeyValue[] };

export function snapshotPath(stateDir: string): string {
  return join(stateDir, "snapshot.json");
}

/** Reads the snapshot, or undefined when there is none or it is not one. */
export function readSnapshot(path: string): Snapshot | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as Snapshot;
    const valid =
      Number.isInteger(parsed.revision) &&
      Array.isArray(parsed.kvs) &&
      parsed.kvs.every((kv) => typeof kv.key === "string" && typeof kv.value === "string");
    return valid ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the snapshot atomically (stage beside it, then rename). */
export function writeSnapshot(path: string, revision: number, kvs: KeyValue[]): void {
  const staged = `${path}.staged`;
  const snapshot: Snapshot = { revision, savedAt: new Date().toISOString(), kvs };
  writeFileSync(staged, JSON.stringify(snapshot), { mode: 0o640 });
  renameSync(staged, path);
}
