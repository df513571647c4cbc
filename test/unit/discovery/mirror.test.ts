// The mirror decides what a listing or a watch response changes: replays and stale listings
// change nothing, so re-listing after any doubt is always safe.

import { describe, expect, test } from "bun:test";
import { KeyMirror, type MirrorEvent } from "../../../src/discovery/mirror.ts";
import { bytesToText } from "../../../src/model/raw-text.ts";

const put = (key: string, value: string, modRevision: number, createRevision = 0): MirrorEvent => ({
  type: "put",
  key,
  value,
  modRevision,
  createRevision,
});
const del = (key: string, modRevision: number): MirrorEvent => ({
  type: "delete",
  key,
  value: "",
  modRevision,
  createRevision: 0,
});

function listed(mirror: KeyMirror): Record<string, string> {
  return Object.fromEntries(mirror.kvs().map(({ key, value }) => [key, value]));
}

describe("KeyMirror", () => {
  test("a listing replaces the key set and reports what it changed", () => {
    const mirror = new KeyMirror();
    expect(
      mirror.replace(
        [
          { key: "/apps/web/a", value: "1" },
          { key: "/apps/web/b", value: "2" },
        ],
        10,
      ),
    ).toEqual({ added: 2, removed: 0, updated: 0 });
    expect(
      mirror.replace(
        [
          { key: "/apps/web/b", value: "3" },
          { key: "/apps/web/c", value: "4" },
        ],
        12,
      ),
    ).toEqual({ added: 1, removed: 1, updated: 1 });
    expect(listed(mirror)).toEqual({ "/apps/web/b": "3", "/apps/web/c": "4" });
    expect(mirror.revision).toBe(12);
  });

  test("a listing older than the events already applied is ignored", () => {
    const mirror = new KeyMirror();
    mirror.replace([{ key: "/apps/web/a", value: "1" }], 10);
    mirror.apply([put("/apps/web/b", "2", 15)]);
    expect(mirror.replace([{ key: "/apps/web/a", value: "1" }], 14)).toBeUndefined();
    expect(listed(mirror)).toEqual({ "/apps/web/a": "1", "/apps/web/b": "2" });
    expect(mirror.revision).toBe(15);
  });

  test("events at or below the revision a listing covered are skipped", () => {
    const mirror = new KeyMirror();
    mirror.replace([{ key: "/apps/web/a", value: "new" }], 20);
    // A watch that resumed too early replays history the listing already includes.
    const changed = mirror.apply([
      put("/apps/web/a", "old", 18),
      del("/apps/web/a", 19),
      put("/apps/web/x", "gone-later", 20),
    ]);
    expect(changed).toBe(false);
    expect(listed(mirror)).toEqual({ "/apps/web/a": "new" });
  });

  test("puts and deletes apply in order and advance the revision", () => {
    const mirror = new KeyMirror();
    mirror.replace([], 1);
    expect(mirror.apply([put("/apps/web/a", "1", 2), put("/apps/web/b", "2", 3)])).toBe(true);
    expect(mirror.apply([del("/apps/web/a", 4), put("/apps/web/b", "5", 5)])).toBe(true);
    expect(listed(mirror)).toEqual({ "/apps/web/b": "5" });
    expect(mirror.revision).toBe(5);
  });

  test("several events of one revision (a transaction) all apply", () => {
    const mirror = new KeyMirror();
    mirror.replace(
      [
        { key: "/apps/web/a", value: "1" },
        { key: "/apps/web/b", value: "2" },
      ],
      5,
    );
    expect(
      mirror.apply([del("/apps/web/a", 6), del("/apps/web/b", 6), put("/apps/web/c", "3", 6)]),
    ).toBe(true);
    expect(listed(mirror)).toEqual({ "/apps/web/c": "3" });
    expect(mirror.revision).toBe(6);
  });

  test("a put of the same value or a delete of a missing key is no change", () => {
    const mirror = new KeyMirror();
    mirror.replace([{ key: "/apps/web/a", value: "1" }], 5);
    expect(mirror.apply([put("/apps/web/a", "1", 6), del("/apps/web/zz", 7)])).toBe(false);
    expect(mirror.revision).toBe(7);
  });

  test("keeps each key's creation revision, from listings and events", () => {
    const mirror = new KeyMirror();
    mirror.replace([{ key: "/apps/web/a", value: "1", createRevision: 3 }], 10);
    mirror.apply([put("/apps/web/b", "2", 11, 11), put("/apps/web/a", "5", 12, 3)]);
    expect(mirror.kvs()).toEqual([
      { key: "/apps/web/a", value: "5", createRevision: 3 },
      { key: "/apps/web/b", value: "2", createRevision: 11 },
    ]);
    // Deleted and created again while sluice was away: same value, a new key.
    expect(
      mirror.replace(
        [
          { key: "/apps/web/a", value: "5", createRevision: 20 },
          { key: "/apps/web/b", value: "2", createRevision: 11 },
        ],
        21,
      ),
    ).toEqual({ added: 0, removed: 0, updated: 1 });
  });

  test("keys that differ only in invalid UTF-8 bytes stay two keys", () => {
    const mirror = new KeyMirror();
    const xff = bytesToText(Buffer.from("/apps/web/x\xff", "latin1"));
    const xfe = bytesToText(Buffer.from("/apps/web/x\xfe", "latin1"));
    mirror.replace([], 1);
    mirror.apply([put(xff, "1.1.1.1:80", 2, 2), put(xfe, "1.1.1.2:80", 3, 3)]);
    expect(mirror.size).toBe(2);
    mirror.apply([del(xfe, 4)]);
    expect(mirror.kvs()).toEqual([{ key: xff, value: "1.1.1.1:80", createRevision: 2 }]);
  });

  test("tells the keys changed since it was last asked, not the whole set", () => {
    const mirror = new KeyMirror();
    mirror.replace([{ key: "/apps/web/a", value: "1", createRevision: 3 }], 10);
    expect(mirror.takeChanges()).toEqual([{ key: "/apps/web/a", value: "1", createRevision: 3 }]);
    mirror.apply([put("/apps/web/b", "2", 11, 11), put("/apps/web/c", "3", 12, 12)]);
    mirror.apply([del("/apps/web/c", 13), put("/apps/web/a", "4", 14, 3)]);
    // c came and went between two asks: no change.
    expect(mirror.takeChanges()).toEqual([
      { key: "/apps/web/b", value: "2", createRevision: 11 },
      { key: "/apps/web/a", value: "4", createRevision: 3 },
    ]);
    expect(mirror.takeChanges()).toEqual([]);
  });

  test("a listing is told as its difference from the mirror", () => {
    const mirror = new KeyMirror();
    mirror.replace(
      [
        { key: "/a", value: "1", createRevision: 1 },
        { key: "/b", value: "1", createRevision: 2 },
      ],
      5,
    );
    mirror.takeChanges();
    mirror.replace(
      [
        { key: "/b", value: "1", createRevision: 2 },
        { key: "/c", value: "1", createRevision: 7 },
      ],
      8,
    );
    expect(mirror.takeChanges()).toEqual([
      { key: "/a", value: undefined },
      { key: "/c", value: "1", createRevision: 7 },
    ]);
  });

  test("the whole set is listed once per change, and shared until the next", () => {
    const mirror = new KeyMirror();
    mirror.replace([{ key: "/a", value: "1" }], 1);
    const first = mirror.kvs();
    expect(mirror.kvs()).toBe(first);
    mirror.apply([put("/b", "2", 2, 2)]);
    expect(mirror.kvs()).not.toBe(first);
    expect(mirror.kvs()).toHaveLength(2);
  });
});
