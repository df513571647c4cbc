// The one key range discovery watches: the common prefix of every range sluice reads.

import { describe, expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import {
  discoveryEtcdConfig,
  watchedRanges,
  watchPrefix,
} from "../../../src/resources/watch-prefix.ts";

const template = (keys: string[], prefix = "") =>
  `[[template]]\nsrc = "a"\ndest = "/etc/${Math.random()}"\nkeys = ${JSON.stringify(keys)}\nprefix = "${prefix}"\n`;
const config = (text: string) => parseConfigText(text, "/etc/sluice/sluice.toml");

describe("watchPrefix", () => {
  const table: [string, string, string][] = [
    ["[haproxy] alone: etcd.prefix", "[haproxy]\n", "/apps/"],
    ["trusted prefixes widen it", '[haproxy]\ntrusted_prefixes = ["/apps-config/"]\n', "/apps"],
    ["a template under etcd.prefix keeps it", `[haproxy]\n${template(["/apps/web"])}`, "/apps/"],
    ["a template elsewhere: their common prefix", `[haproxy]\n${template(["/app"], "/prod")}`, "/"],
    [
      "without [haproxy], etcd.prefix does not count",
      template(["/db", "/dns"], "/prod"),
      "/prod/d",
    ],
    ["one resource key alone", template(["/db/"], "/prod"), "/prod/db/"],
    ["two templates with disjoint keys: /", template(["/a"]) + template(["/b"]), "/"],
    ["nothing read at all: etcd.prefix", template([]), "/apps/"],
  ];
  for (const [what, text, expected] of table) {
    test(what, () => {
      expect(watchPrefix(config(text))).toBe(expected);
    });
  }

  test("the discovery's [etcd] differs only in the prefix", () => {
    const resolved = config(`[haproxy]\n${template(["/app"], "/prod")}`);
    expect(discoveryEtcdConfig(resolved)).toEqual({ ...resolved.etcd, prefix: "/" });
    expect(resolved.etcd.prefix).toBe("/apps/");
    expect(watchedRanges(resolved)).toEqual(["/apps/", "/prod/app"]);
  });
});
