// The snapshot on disk keeps every key byte for byte with its creation revision, and snapshots
// saved before creation revisions were kept still load.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToText } from "../../src/model/raw-text.ts";
import { readSnapshot, writeSnapshot } from "../../src/snapshot.ts";

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
