// A resource's view of the keys: confd's prefix match, its prefix stripped, sorted, once each.

import { describe, expect, test } from "bun:test";
import { resourceEntries, resourceRanges } from "../../../src/resources/key-view.ts";

const KVS = [
  { key: "/prod/app/db", value: "db1" },
  { key: "/prod/app/web/1", value: "w1" },
  { key: "/prod/application", value: "string prefix" },
  { key: "/prod/other/x", value: "no" },
  { key: "/apps/web/a", value: "web-a 10.0.0.1:80" },
];

describe("resourceEntries", () => {
  const table: [string, { keys: string[]; prefix: string }, [string, string][]][] = [
    [
      "prefix stripped; a string prefix match (as confd's) takes /prod/application too",
      { keys: ["/app"], prefix: "/prod" },
      [
        ["/app/db", "db1"],
        ["/app/web/1", "w1"],
        ["/application", "string prefix"],
      ],
    ],
    [
      "a key ending in / matches the directory only",
      { keys: ["/app/"], prefix: "/prod" },
      [
        ["/app/db", "db1"],
        ["/app/web/1", "w1"],
      ],
    ],
    [
      "no prefix: keys as they are",
      { keys: ["/apps/"], prefix: "" },
      [["/apps/web/a", "web-a 10.0.0.1:80"]],
    ],
    [
      "overlapping keys list a key once",
      { keys: ["/app/web", "/app"], prefix: "/prod" },
      [
        ["/app/db", "db1"],
        ["/app/web/1", "w1"],
        ["/application", "string prefix"],
      ],
    ],
    [
      "a prefix ending in / still gives keys starting with /",
      { keys: ["app/db"], prefix: "/prod/" },
      [["/app/db", "db1"]],
    ],
    ["no keys: nothing", { keys: [], prefix: "/prod" }, []],
  ];
  for (const [what, resource, expected] of table) {
    test(what, () => {
      expect(resourceEntries(resource, KVS)).toEqual(
        expected.map(([key, value]) => ({ key, value })),
      );
    });
  }

  test("the ranges are prefix + key", () => {
    expect(resourceRanges({ keys: ["/a", "/b"], prefix: "/p" })).toEqual(["/p/a", "/p/b"]);
  });
});
