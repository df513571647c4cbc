// The STATUS= line says what sluice serves and whether etcd is connected, on one short line.

import { describe, expect, test } from "bun:test";
import { describeStatus, type StatusFacts } from "../../../src/systemd/status-line.ts";
import { SYSTEMD } from "../../../src/tunables.ts";

const base: StatusFacts = {
  serving: true,
  counts: { services: 12, backends: 48 },
  etcdConnected: true,
  problem: undefined,
};

describe("describeStatus", () => {
  test.each([
    [{}, "serving 12 services, 48 backends; etcd connected"],
    [{ counts: { services: 1, backends: 1 } }, "serving 1 service, 1 backend; etcd connected"],
    [
      { etcdConnected: false },
      "etcd disconnected, serving the last known state (12 services, 48 backends)",
    ],
    [{ counts: undefined }, "haproxy serving; etcd connected"],
    [
      { counts: undefined, etcdConnected: false },
      "etcd disconnected, serving the last good config",
    ],
    [
      { problem: "haproxy rejected haproxy.cfg: unknown keyword" },
      "serving 12 services, 48 backends; etcd connected; last change failed, the old config keeps serving: haproxy rejected haproxy.cfg: unknown keyword",
    ],
    [
      { serving: false, etcdConnected: false },
      "starting: waiting for etcd (no last good config to serve)",
    ],
    [{ serving: false }, "starting: etcd connected, starting haproxy"],
    [{ source: "the key file" }, "serving 12 services, 48 backends; the key file connected"],
    [
      { source: "the key file", etcdConnected: false },
      "the key file disconnected, serving the last known state (12 services, 48 backends)",
    ],
    [
      { source: "the key file", serving: false, etcdConnected: false },
      "starting: waiting for the key file (no last good config to serve)",
    ],
    [
      { serving: false, problem: "start failed: port 80 in use" },
      "starting: failed: start failed: port 80 in use",
    ],
  ] as Array<[Partial<StatusFacts>, string]>)("%j: %s", (facts, line) => {
    expect(describeStatus({ ...base, ...facts })).toBe(line);
  });

  test("a long or multi-line problem becomes one line of bounded length", () => {
    const line = describeStatus({ ...base, problem: `first\nsecond ${"x".repeat(500)}` });
    expect(line).not.toContain("\n");
    expect(line).toContain("first second");
    expect(line.length).toBe(SYSTEMD.statusMaxChars);
    expect(line.endsWith("…")).toBe(true);
  });
});
