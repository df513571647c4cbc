// Atomic file writes: stage beside the destination, then rename over it, so a reader (HAProxy, a
// restart) sees the old file or the new one and never half of one.

import { renameSync, rmSync, writeFileSync } from "node:fs";

/** The staged copy of `path`: in the same directory, so the rename is atomic. */
export function stagedPath(path: string): string {
  return `${path}.staged`;
}

/** Writes `data` to `path` atomically. */
export function writeFileAtomic(path: string, data: string, mode = 0o640): void {
  const staged = stagedPath(path);
  try {
    writeFileSync(staged, data, { mode });
    renameSync(staged, path);
  } catch (error) {
    rmSync(staged, { force: true });
    throw error;
  }
}
