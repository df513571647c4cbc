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

  test("the apply line says when the next reload is due and counts background reloads", () => {
    const idle = formatStatus(STATUS).split("\n")[3];
    expect(idle).not.toContain("next reload");
    expect(idle).not.toContain("background");
    const apply = { ...STATUS.apply, pending: true, background_reloads: 2 };
    const waiting = { ...STATUS, apply: { ...apply, next_reload_at: "2026-12-02T10:00:01.000Z" } };
    expect(formatStatus(waiting).split("\n")[3]).toBe(
      `apply:    ok at ${STATUS.apply.last_ok_at}, revision ${STATUS.apply.revision}, pending, next reload at 2026-12-02T10:00:01.000Z, background reloads 2`,
    );
  });
});
