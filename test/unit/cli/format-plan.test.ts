// `lbctl plan --diff` in human form: the [[template]] files that would change, with their diffs.

import { describe, expect, test } from "bun:test";
import { formatPlan } from "../../../src/cli/format-plan.ts";

describe("formatPlan with [[template]] files", () => {
  test("lists each file: would change with its diff, would not change, cannot render", () => {
    const text = formatPlan({
      revision: 9,
      plan: { kind: "none" },
      diff: "",
      files: [
        {
          src: "/t/a",
          dest: "/etc/a.conf",
          changed: true,
          diff: "--- /etc/a.conf\n+++ /etc/a.conf (next apply)\n@@ -1 +1 @@\n-old\n+new\n",
        },
        { src: "/t/b", dest: "/etc/b.conf", changed: false, diff: "" },
        {
          src: "/t/c",
          dest: "/etc/c.conf",
          changed: false,
          diff: "",
          error: "/t/c:2: unknown tag",
        },
      ],
    });
    expect(text).toBe(
      [
        "revision 9: nothing to apply: HAProxy serves what etcd says",
        "(haproxy.cfg would not change)",
        "template /etc/a.conf: would change",
        "--- /etc/a.conf",
        "+++ /etc/a.conf (next apply)",
        "@@ -1 +1 @@",
        "-old",
        "+new",
        "template /etc/b.conf: would not change",
        "template /etc/c.conf: cannot render: /t/c:2: unknown tag",
        "",
      ].join("\n"),
    );
  });

  test("without files (no --diff) nothing about templates is printed", () => {
    expect(formatPlan({ revision: 1, plan: { kind: "none" } })).not.toContain("template");
  });
});
