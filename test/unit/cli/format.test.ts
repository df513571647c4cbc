// `lbctl status` in human form: etcd's connection, endpoint, staleness and counts at a glance.

import { describe, expect, test } from "bun:test";
import { formatStatus } from "../../../src/cli/format.ts";
import type { Status } from "../../../src/status.ts";
import { STATUS } from "./fixtures.ts";

/** The canned status, with etcd's fields changed and a rejected key whose name needs escaping. */
function status(etcd: Partial<Status["etcd"]>): Status {
  return {
    ...STATUS,
    etcd: { ...STATUS.etcd, endpoint: "https://10.0.0.1:2379", ...etcd },
    rejected: [{ key: "/apps/web/x\n", value: "", reason: "bad" }],
    rejected_total: 1,
  };
}

describe("formatStatus", () => {
  test("a connected etcd shows the endpoint, the revision and the counts", () => {
    const lines = formatStatus(status({})).split("\n");
    expect(lines[1]).toBe(
      "etcd:     connected to https://10.0.0.1:2379, revision 42, relists 3, reconnects 1",
    );
    expect(lines).toContain('  rejected "/apps/web/x\\n": "bad"');
  });

  test("a lost etcd says so, that the data is stale, and why", () => {
    const text = formatStatus(
      status({ connected: false, stale: true, last_error: "etcd https://10.0.0.1:2379: refused" }),
    );
    expect(text.split("\n")[1]).toBe(
      "etcd:     DISCONNECTED from https://10.0.0.1:2379, revision 42, STALE, relists 3, reconnects 1 (etcd https://10.0.0.1:2379: refused)",
    );
  });
});
