// Notices changes of one file: fs.watch on its directory (editors replace files by rename) and a
// stat poll as the safety net (network filesystems, a directory created later, symlink swaps).

import { type FSWatcher, statSync, watch } from "node:fs";
import { basename, dirname } from "node:path";

export type FileWatchOptions = {
  path: string;
  /** How often the file is stat'ed, ms. */
  pollMs: number;
  /** Something about the file may have changed. */
  onPoke(): void;
};

export type FileWatch = { close(): void };

/** What a stat of `path` says, to notice a change: inode, size and times, or why it failed. */
export function statSignature(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
  } catch (error) {
    return `error:${(error as NodeJS.ErrnoException).code ?? String(error)}`;
  }
}

/** Watches `options.path` until `close`; `onPoke` may come more than once for one change. */
export function watchFile(options: FileWatchOptions): FileWatch {
  const { path, onPoke } = options;
  const name = basename(path);
  let watcher: FSWatcher | undefined;
  let signature = statSignature(path);

  // The directory may be missing, or vanish: the poll tries again each time.
  const openWatcher = () => {
    if (watcher) return;
    try {
      watcher = watch(dirname(path), (_event, changed) => {
        if (changed === null || changed === name) onPoke();
      });
      watcher.on("error", () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      watcher = undefined;
    }
  };
  openWatcher();
  const timer = setInterval(() => {
    openWatcher();
    const now = statSignature(path);
    if (now === signature) return;
    signature = now;
    onPoke();
  }, options.pollMs);
  return {
    close() {
      clearInterval(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
}
