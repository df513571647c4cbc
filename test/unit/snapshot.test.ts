// The snapshot on disk keeps every key byte for byte with its creation revision, and snapshots
// saved before creation revisions were kept still load.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/log.ts";
import { bytesToText } from "../../src/model/raw-text.ts";
import {
  createSnapshotSaver,
  readSnapshot,
  writeSnapshot,
  writeSnapshotInSlices,
} from "../../src/snapshot.ts";

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function path(): string {
  dir = mkdtempSync(join(tmpdir(), "sluice-snapshot-"));
  return join(dir, "snapshot.json");
}

describe("snapshot", () => {
  test("keeps creation revisions and keys that are not valid UTF-8, each distinct", () => {
    const file = path();
    const xff = bytesToText(Buffer.from("/apps/web/x\xff", "latin1"));
    const xfe = bytesToText(Buffer.from("/apps/web/x\xfe", "latin1"));
    const kvs = [
      { key: "/apps/web/a", value: "a 10.0.0.1:80", createRevision: 4 },
      { key: xff, value: "b 10.0.0.2:80", createRevision: 5 },
      { key: xfe, value: "c 10.0.0.3:80", createRevision: 6 },
    ];
    writeSnapshot(file, 9, kvs);
    expect(readSnapshot(file)?.kvs).toEqual(kvs);
  });

  test("a snapshot without creation revisions loads, every key created at 0", () => {
    const file = path();
    const old = {
      revision: 3,
      savedAt: "2026-11-01T00:00:00.000Z",
      kvs: [{ key: "/apps/web/a", value: "a 10.0.0.1:80" }],
    };
    writeFileSync(file, JSON.stringify(old));
    expect(readSnapshot(file)).toEqual({
      ...old,
      kvs: [{ key: "/apps/web/a", value: "a 10.0.0.1:80", createRevision: 0 }],
    });
  });

  test("a creation revision that is not an integer makes it no snapshot", () => {
    const file = path();
    writeFileSync(
      file,
      JSON.stringify({
        revision: 3,
        savedAt: "x",
        kvs: [{ key: "/k", value: "v", createRevision: "1" }],
      }),
    );
    expect(readSnapshot(file)).toBeUndefined();
  });
});

describe("the snapshot written in slices", () => {
  const keys = (count: number) =>
    Array.from({ length: count }, (_, i) => ({
      key: `/apps/web/w${i}`,
      value: `w${i} 10.0.${i >> 8}.${i & 255}:80`,
      createRevision: i + 1,
    }));

  test("reads back as the same snapshot, across many slices and none", async () => {
    for (const count of [0, 1, 2000, 4500]) {
      const file = path();
      const kvs = keys(count);
      await writeSnapshotInSlices(file, 12, kvs);
      const read = readSnapshot(file)!;
      expect(read.revision).toBe(12);
      expect(read.kvs).toEqual(kvs);
      expect(Number.isNaN(Date.parse(read.savedAt))).toBe(false);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("keeps keys that are not valid UTF-8", async () => {
    const file = path();
    const kvs = [
      { key: bytesToText(Buffer.from("/x\xff", "latin1")), value: "v", createRevision: 1 },
    ];
    await writeSnapshotInSlices(file, 1, kvs);
    expect(readSnapshot(file)?.kvs).toEqual(kvs);
  });

  test("the event loop runs between slices", async () => {
    const file = path();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const writing = writeSnapshotInSlices(file, 1, keys(20_000));
    await writing;
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });

  test("the saver saves one at a time, and a change during a save after it", async () => {
    const file = path();
    let revision = 1;
    let reads = 0;
    const log = createLogger(() => undefined);
    const saver = createSnapshotSaver(
      file,
      () => {
        reads++;
        return { revision, kvs: keys(10_000) };
      },
      1,
      log,
    );
    saver.schedule();
    await Bun.sleep(5);
    revision = 2;
    saver.schedule();
    saver.schedule();
    for (let i = 0; i < 200 && readSnapshot(file)?.revision !== 2; i++) await Bun.sleep(10);
    expect(readSnapshot(file)?.revision).toBe(2);
    expect(reads).toBe(2);
    saver.cancel();
  });
});
