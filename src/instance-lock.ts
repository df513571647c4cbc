// One sluice per directory: an flock held on `<dir>/sluice.lock` for the life of the process.

import {
  closeSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { describeError, SluiceError } from "./errors.ts";
import type { Part } from "./lifecycle.ts";
import type { Logger } from "./log.ts";

const LOCK_EXCLUSIVE = 2;
const LOCK_NON_BLOCKING = 4;
const WOULD_BLOCK = 11;

/** libc's flock through bun:ffi (loaded once, on first use): LOCK_EX | LOCK_NB on an fd. */
type Flock = (fd: number) => { ok: true } | { ok: false; errno: number };
let flockCache: Flock | undefined;

async function loadFlock(): Promise<Flock> {
  if (flockCache) return flockCache;
  const { dlopen, read } = await import("bun:ffi");
  const libc = dlopen("libc.so.6", {
    flock: { args: ["i32", "i32"], returns: "i32" },
    __errno_location: { args: [], returns: "ptr" },
  });
  flockCache = (fd) => {
    if (libc.symbols.flock(fd, LOCK_EXCLUSIVE | LOCK_NON_BLOCKING) === 0) return { ok: true };
    const errnoPointer = libc.symbols.__errno_location();
    return { ok: false, errno: errnoPointer ? read.i32(errnoPointer, 0) : 0 };
  };
  return flockCache;
}

/** A lock this process holds on one directory. */
export type DirectoryLock = {
  readonly path: string;
  /** Takes the lock again when its file was removed (a removed directory is made again). */
  renew(): Promise<void>;
  release(): void;
};

/** The pid another instance wrote into `path`, if it can be read. */
function holderPid(path: string): string {
  try {
    return readFileSync(path, "utf8").trim() || "unknown";
  } catch {
    return "unknown";
  }
}

/** Opens and locks `<directory>/sluice.lock`, writing this pid into it; returns the open fd. */
async function lockFile(directory: string, path: string): Promise<number> {
  mkdirSync(directory, { recursive: true });
  const fd = openSync(path, "a+");
  const result = (await loadFlock())(fd);
  if (!result.ok) {
    closeSync(fd);
    if (result.errno !== WOULD_BLOCK && result.errno !== 0) {
      throw new SluiceError("usage", `${path}: cannot lock (errno ${result.errno})`);
    }
    throw new SluiceError(
      "usage",
      `another sluice (pid ${holderPid(path)}) is using ${directory}; stop it, or give this ` +
        "instance its own state_dir and runtime_dir",
    );
  }
  // Only the holder writes its pid, so a refused instance never wipes the holder's.
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`);
  return fd;
}

/** Locks `directory` for this process; throws naming the other instance when it is taken. */
export async function lockDirectory(directory: string): Promise<DirectoryLock> {
  const path = join(directory, "sluice.lock");
  let fd: number | undefined = await lockFile(directory, path);
  const stillOurs = () => {
    try {
      return fd !== undefined && statSync(path).ino === fstatSync(fd).ino;
    } catch {
      return false;
    }
  };
  return {
    path,
    async renew() {
      if (stillOurs()) return;
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      fd = await lockFile(directory, path);
    },
    release() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

export type InstanceLockOptions = {
  /** Directories that must exist; each is made again when it goes missing. */
  directories: string[];
  /** Directories locked for this process (state_dir and runtime_dir). */
  locked: string[];
  /** How often the directories and locks are checked, ms. */
  checkEveryMs: number;
  /** Run after each check: other files the daemon owns that must come back. */
  alsoCheck?: () => void;
  log: Logger;
};

/**
 * The lifecycle part started first: makes the directories, locks `locked` (throwing, naming the
 * other instance, when one holds a lock), and while it runs, makes removed directories and lock
 * files again.
 */
export function createInstanceLock(options: InstanceLockOptions): Part {
  const locks: DirectoryLock[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  const check = async () => {
    try {
      for (const directory of options.directories) mkdirSync(directory, { recursive: true });
      for (const lock of locks) await lock.renew();
      options.alsoCheck?.();
    } catch (error) {
      options.log.warn("cannot restore sluice's directories", { error: describeError(error) });
    }
  };
  return {
    name: "instance lock",
    async start() {
      for (const directory of options.directories) mkdirSync(directory, { recursive: true });
      try {
        for (const directory of new Set(options.locked)) locks.push(await lockDirectory(directory));
      } catch (error) {
        for (const lock of locks.splice(0)) lock.release();
        throw error;
      }
      timer = setInterval(() => void check(), options.checkEveryMs);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      for (const lock of locks.splice(0)) lock.release();
    },
  };
}
