import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInstanceLock, lockDirectory } from "../../src/instance-lock.ts";
import { createMemoryLogger } from "./haproxy/fake-haproxy.ts";

function temporaryDirectory(): string {
  return mkdtempSync(join(tmpdir(), "sluice-lock-"));
}

describe("lockDirectory", () => {
  test("a second lock on the same directory is refused, naming the holder's pid and the directory", async () => {
    const directory = temporaryDirectory();
    try {
      const first = await lockDirectory(directory);
      expect(readFileSync(first.path, "utf8")).toBe(`${process.pid}\n`);
      await expect(lockDirectory(directory)).rejects.toThrow(
        `another sluice (pid ${process.pid}) is using ${directory}`,
      );
      first.release();
      const again = await lockDirectory(directory);
      again.release();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test("a lock whose directory was removed is taken again by renew, so no second instance gets it", async () => {
    const parent = temporaryDirectory();
    const directory = join(parent, "run");
    try {
      const lock = await lockDirectory(directory);
      rmSync(directory, { recursive: true });
      await lock.renew();
      expect(existsSync(lock.path)).toBe(true);
      await expect(lockDirectory(directory)).rejects.toThrow("another sluice");
      lock.release();
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe("createInstanceLock", () => {
  test("start makes the directories and locks; a second instance's start fails and holds nothing", async () => {
    const parent = temporaryDirectory();
    const state = join(parent, "state");
    const run = join(parent, "run");
    const options = {
      directories: [state, run, join(parent, "config")],
      locked: [state, run],
      checkEveryMs: 60_000,
      log: createMemoryLogger(),
    };
    try {
      const first = createInstanceLock(options);
      await first.start();
      expect(existsSync(join(parent, "config"))).toBe(true);
      const second = createInstanceLock(options);
      await expect(second.start()).rejects.toThrow(`is using ${state}`);
      await first.stop();
      await second.start();
      await second.stop();
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
