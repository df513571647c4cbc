// The plain renderer's admin API, in process: probes, status, metrics, plan and a forced apply.

import { describe, expect, test } from "bun:test";
import { createRendererAdminApp, type RendererStatus } from "../../../src/admin/render-app.ts";
import type { TemplateStatus } from "../../../src/resources/record.ts";

const template = (overrides: Partial<TemplateStatus> = {}): TemplateStatus => ({
  ...{
    src: "/t/a.liquid",
    dest: "/etc/a.conf",
    revision: 4,
    last_changed_at: null,
    last_error: null,
  },
  ...{ last_check: null, last_reload: null, renders: { changed: 2, unchanged: 1, failed: 0 } },
  ...overrides,
});

function app(templates: TemplateStatus[], synced = true, applied = true, endpoint = "http://e") {
  const status: RendererStatus = {
    version: "test",
    mode: "renderer",
    etcd: {
      state: "watching",
      connected: true,
      revision: 4,
      endpoint,
      synced,
      relists: 0,
      reconnects: 0,
      last_error: null,
    },
    templates,
  };
  return createRendererAdminApp({
    status: () => status,
    plan: async () => [{ dest: "/etc/a.conf", changed: true, diff: "-a\n+b\n" }],
    apply: async () => applied,
    token: () => "secret",
  });
}

describe("the renderer's admin API", () => {
  test("/healthz answers; /readyz is ready when synced and no file failed", async () => {
    expect(await (await app([template()]).request("/healthz")).text()).toBe("ok\n");
    expect((await app([template()]).request("/readyz")).status).toBe(200);
  });

  test("/readyz names a failing file and a missing sync", async () => {
    const response = await app([template({ last_error: "check_cmd failed" })], false).request(
      "/readyz",
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({
      ready: false,
      reasons: ["not synced with etcd yet", "/etc/a.conf: check_cmd failed"],
    });
  });

  test("/readyz names the key file, not etcd, with file discovery", async () => {
    const response = await app([template()], false, true, "file:/etc/keys.yaml").request("/readyz");
    expect(await response.json()).toEqual({
      ready: false,
      reasons: ["not synced with the key file yet"],
    });
  });

  test("/v1/status, /v1/plan and /metrics", async () => {
    const served = app([template()]);
    expect(
      ((await (await served.request("/v1/status")).json()) as RendererStatus).templates[0]!.dest,
    ).toBe("/etc/a.conf");
    expect(await (await served.request("/v1/plan?diff=1")).json()).toEqual({
      files: [{ dest: "/etc/a.conf", changed: true, diff: "-a\n+b\n" }],
    });
    const metrics = await (await served.request("/metrics")).text();
    expect(metrics).toContain(
      'sluice_template_renders_total{dest="/etc/a.conf",result="changed"} 2',
    );
    expect(metrics).toContain('sluice_template_failing{dest="/etc/a.conf"} 0');
  });

  test("POST /v1/reload needs the token and fails when a file failed", async () => {
    const post = (served: ReturnType<typeof app>, token?: string) =>
      served.request("/v1/reload", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      });
    expect((await post(app([]))).status).toBe(401);
    expect((await post(app([]), "secret")).status).toBe(200);
    expect((await post(app([], true, false), "secret")).status).toBe(500);
  });
});
