// Discovery from a key file (`discovery = "file"`, confd's file backend): the file is read and
// flattened at start and after every change; each new distinct key set is one revision. A file
// that is missing or does not parse never replaces the keys served: the last good set stays,
// and the error shows in `state()` until the file is fixed.

import { readFileSync } from "node:fs";
import { createCoalescer } from "../../coalesce.ts";
import type { FileConfig } from "../../config/schema.ts";
import { DiscoveryError, describeError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import type { KeyDelta, KeyValue } from "../../model/types.ts";
import { createStateMachine, type Transitions } from "../../state.ts";
import type { Discovery, DiscoveryListener, DiscoveryState, DiscoveryStateName } from "../types.ts";
import { parseKeyFile } from "./parse.ts";
import { type FileWatch, type FileWatchOptions, watchFile } from "./watch.ts";

export type FileDiscoveryOptions = {
  /** How often the file is stat'ed besides fs.watch, ms. Default 1000. */
  pollMs?: number;
  /** Quiet time after a change before the file is read, ms (an editor's write in several
   * steps is read once). Default 50; a burst is read at the latest after 10 times this. */
  debounceMs?: number;
  /** The watch of the file; tests may pass one that only pokes when told. */
  watch?: (options: FileWatchOptions) => FileWatch;
};

const TRANSITIONS: Transitions<DiscoveryStateName> = {
  idle: ["listing", "stopped"],
  listing: ["watching", "stopped"],
  watching: ["stopped"],
  connecting: [],
  "backing-off": [],
  stopped: [],
};

/** The keys of the file at `path`, flattened; throws a DiscoveryError naming the file. */
export function readKeyFile(path: string): { key: string; value: string }[] {
  return parseKeyFile(readText(path), path);
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : describeError(error);
    throw new DiscoveryError(`${path}: cannot read the key file: ${reason}`, { cause: error });
  }
}

/** Discovery of the keys in `config.path`, watched for changes. */
export function createFileDiscovery(
  config: FileConfig,
  log: Logger,
  options: FileDiscoveryOptions = {},
): Discovery {
  const { path } = config;
  const debounceMs = options.debounceMs ?? 50;
  const lifecycle = createStateMachine("file discovery", "idle", TRANSITIONS);
  const file = createKeyFileState(path, log);
  let listener: DiscoveryListener | undefined;
  let watcher: FileWatch | undefined;
  const state = () => file.view(lifecycle.current());

  /** Reads the file; a new key set becomes the next revision. */
  function read(): void {
    if (lifecycle.is("stopped")) return;
    const { changed, connectedChanged } = file.read();
    if (changed) {
      const { keys } = file;
      // The file is read whole, and diffed against the last good read: nothing can be missed.
      listener?.onChange({
        revision: keys.revision(),
        changes: keys.takeChanges(),
        relisted: false,
        kvs: keys.kvs,
      });
    }
    if (connectedChanged) listener?.onState?.(state());
  }

  const coalescer = createCoalescer(read, debounceMs, debounceMs * 10);
  return {
    start(next) {
      listener = next;
      lifecycle.moveTo("listing");
      read();
      lifecycle.moveTo("watching");
      const watch = options.watch ?? watchFile;
      watcher = watch({ path, pollMs: options.pollMs ?? 1000, onPoke: () => coalescer.poke() });
    },
    async stop() {
      if (lifecycle.is("stopped")) return;
      lifecycle.moveTo("stopped");
      coalescer.cancel();
      watcher?.close();
    },
    state,
    async snapshot() {
      const { keys } = file;
      if (!file.view(lifecycle.current()).synced) keys.replace(readKeyFile(path));
      return { kvs: keys.kvs(), revision: keys.revision() };
    },
  };
}

/** What a read of the file found: a new key set, and whether the file became usable or not. */
type ReadOutcome = { changed: boolean; connectedChanged: boolean };

/** The file's side: the last good key set, and whether the file is usable now and why not. */
function createKeyFileState(path: string, log: Logger) {
  const keys = createKeySet();
  let goodText: string | undefined;
  let connected = false;
  let synced = false;
  let lastError: string | undefined;
  let reads = 0;
  let recoveries = 0;

  function fail(error: unknown): ReadOutcome {
    const message = describeError(error);
    if (message !== lastError) {
      log.warn("key file unusable; serving the last good keys", { file: path, error: message });
    }
    lastError = message;
    const connectedChanged = connected;
    connected = false;
    return { changed: false, connectedChanged };
  }

  function read(): ReadOutcome {
    reads++;
    let text: string;
    let entries: { key: string; value: string }[];
    try {
      text = readText(path);
      // The same text as the last good read: nothing changed (unless it was broken meanwhile).
      if (text === goodText && connected) return { changed: false, connectedChanged: false };
      entries = parseKeyFile(text, path);
    } catch (error) {
      return fail(error);
    }
    goodText = text;
    // Synced but not connected: the file was broken since its last good read.
    if (synced && !connected) recoveries++;
    const changed = !synced || keys.differs(entries);
    if (changed) keys.replace(entries);
    synced = true;
    lastError = undefined;
    const connectedChanged = !connected;
    connected = true;
    return { changed, connectedChanged };
  }

  return {
    keys,
    read,
    view: (name: DiscoveryStateName): DiscoveryState => ({
      state: name,
      connected,
      revision: keys.revision(),
      endpoint: `file:${path}`,
      relists: Math.max(0, reads - 1),
      reconnects: recoveries,
      synced,
      lastError,
    }),
  };
}

/** The key set served, at its revision; each key keeps the revision it first appeared at (as
 * etcd's create revision: the service registered first stays the default). */
function createKeySet() {
  let revision = 0;
  let current = new Map<string, KeyValue>();
  let listed: KeyValue[] | undefined;
  // By key: a key changed by two replacements before anyone asked shows its last change.
  let changes = new Map<string, KeyDelta>();
  return {
    revision: () => revision,
    kvs: () => {
      listed ??= [...current.values()];
      return listed;
    },
    /** What the replacements since the last call changed, key by key; then forgets it. */
    takeChanges(): KeyDelta[] {
      const taken = [...changes.values()];
      changes = new Map();
      return taken;
    },
    differs(entries: { key: string; value: string }[]): boolean {
      if (entries.length !== current.size) return true;
      return entries.some(({ key, value }) => current.get(key)?.value !== value);
    },
    replace(entries: { key: string; value: string }[]): void {
      revision++;
      const next = new Map<string, KeyValue>();
      for (const { key, value } of entries) {
        const old = current.get(key);
        const createRevision = old?.createRevision ?? revision;
        next.set(key, { key, value, createRevision });
        if (old?.value !== value) changes.set(key, { key, value, createRevision });
      }
      for (const key of current.keys()) {
        if (!next.has(key)) changes.set(key, { key, value: undefined });
      }
      current = next;
      listed = undefined;
    },
  };
}
