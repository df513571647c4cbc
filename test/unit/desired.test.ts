// The desired store: the newest key set, listed only when asked, and the log of key changes the
// model is built from change by change; a listing or the snapshot restarts the log.

import { describe, expect, test } from "bun:test";
import { createChangeLog, createDesiredStore } from "../../src/desired.ts";
import { keySet } from "./desired-fixtures.ts";

const put = (key: string, value: string) => ({ key, value, createRevision: 1 });

describe("desired store", () => {
  test("the key set is listed only when read", () => {
    const desired = createDesiredStore();
    let listed = 0;
    desired.fromEtcd({
      ...keySet([put("/a", "1")], 1),
      kvs: () => {
        listed++;
        return [put("/a", "1")];
      },
    });
    const current = desired.current();
    expect(current.revision).toBe(1);
    expect(listed).toBe(0);
    expect(current.kvs).toEqual([put("/a", "1")]);
    expect(listed).toBe(1);
  });

  test("the changes since a state are in the log; a listing restarts it", () => {
    const desired = createDesiredStore();
    desired.fromEtcd(keySet([put("/a", "1")], 1));
    const first = desired.current().log!;
    // The first update from etcd replaces whatever came before: built whole.
    expect(first.since(0)).toBeUndefined();
    desired.fromEtcd(keySet([], 2, [put("/b", "2")]));
    desired.fromEtcd(keySet([], 3, [{ key: "/a", value: undefined }]));
    const third = desired.current().log!;
    expect(third.since(first.position)).toEqual([put("/b", "2"), { key: "/a", value: undefined }]);
    expect(third.since(third.position)).toEqual([]);
    desired.fromEtcd(keySet([], 4, [put("/c", "3")], true));
    expect(desired.current().log!.since(third.position)).toBeUndefined();
  });

  test("the snapshot is built whole, and so is the first update from etcd after it", () => {
    const desired = createDesiredStore();
    expect(desired.fromSnapshot({ revision: 5, savedAt: "", kvs: [put("/a", "1")] })).toBe(true);
    expect(desired.current().kvs).toEqual([put("/a", "1")]);
    const snapshot = desired.current().log!;
    desired.fromEtcd(keySet([put("/b", "1")], 6));
    expect(desired.current().log!.since(snapshot.position)).toBeUndefined();
    expect(desired.source()).toBe("etcd");
  });
});

describe("change log", () => {
  test("past its limit it forgets everything: the next build is whole", () => {
    const log = createChangeLog(3);
    const start = log.at(log.position());
    log.append([put("/a", "1"), put("/b", "1")]);
    expect(log.at(log.position()).since(start.position)).toHaveLength(2);
    const after = log.position();
    log.append([put("/c", "1"), put("/d", "1"), put("/e", "1"), put("/f", "1")]);
    expect(log.at(log.position()).since(after)).toBeUndefined();
  });
});
