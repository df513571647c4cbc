// `lbctl status` lines for the [[template]] files, and the plain renderer's status.

import { describe, expect, test } from "bun:test";
import type { RendererStatus } from "../../../src/admin/render-app.ts";
import { formatStatus } from "../../../src/cli/format.ts";
import type { TemplateStatus } from "../../../src/resources/record.ts";
import type { Status } from "../../../src/status.ts";
import { STATUS } from "./fixtures.ts";

const template = (overrides: Partial<TemplateStatus>): TemplateStatus => ({
  ...{ src: "/t/a", dest: "/etc/a.conf", revision: 3, last_changed_at: "2026-01-01T00:00:00.000Z" },
  ...{ last_error: null, last_check: null, last_reload: null },
  renders: { changed: 1, unchanged: 0, failed: 0 },
  ...overrides,
});

describe("template lines in lbctl status", () => {
  test("ok, failed and not yet rendered files each get a line", () => {
    const status: Status = {
      ...STATUS,
      templates: [
        template({}),
        template({ dest: "/etc/b.conf", last_error: 'check_cmd "x" exited with 1' }),
        template({ dest: "/etc/c.conf", revision: null, last_changed_at: null }),
      ],
    };
    const text = formatStatus(status);
    expect(text).toContain(
      "  template /etc/a.conf: ok, revision 3, changed at 2026-01-01T00:00:00.000Z\n",
    );
    expect(text).toContain('  template /etc/b.conf: FAILED: check_cmd "x" exited with 1\n');
    expect(text).toContain("  template /etc/c.conf: not rendered yet\n");
  });

  test("a plain renderer's status prints without HAProxy", () => {
    const renderer: RendererStatus = {
      version: "1.0",
      mode: "renderer",
      etcd: {
        state: "watching",
        connected: true,
        revision: 5,
        endpoint: "http://e:2379",
        synced: true,
        relists: 0,
        reconnects: 0,
        last_error: null,
      },
      templates: [template({})],
    };
    expect(formatStatus(renderer as unknown as Status)).toBe(
      [
        "sluice 1.0 (plain renderer: no HAProxy)",
        "etcd:     connected http://e:2379, revision 5",
        "templates: 1",
        "  template /etc/a.conf: ok, revision 3, changed at 2026-01-01T00:00:00.000Z",
        "",
      ].join("\n"),
    );
  });
});
