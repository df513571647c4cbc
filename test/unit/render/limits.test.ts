// A looping, hungry or huge template fails fast with a render error naming the template and the
// limit, instead of blocking the daemon and taking gigabytes.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../../../src/config/load.ts";
import { RenderError } from "../../../src/errors.ts";
import { buildModel } from "../../../src/model/build.ts";
import type { KeyValue } from "../../../src/model/types.ts";
import { createRenderPipeline } from "../../../src/pipeline.ts";
import { DEFAULT_TEMPLATE } from "../../../src/render/default-template.ts";
import {
  createRenderer,
  DEFAULT_RENDER_LIMITS,
  type RenderLimits,
  type RenderSettings,
} from "../../../src/render/render.ts";

const NAME = "/etc/sluice/templates/custom.liquid";
const SETTINGS: RenderSettings = { template: NAME, haproxy: {}, defaultService: "" };
const LOOP = "{% for i in (1..20000000) %}{% endfor %}";
/** 9 million iterations that allocate little: only the time limit stops them. */
const SLOW_LOOP = "{% for i in (1..3000) %}{% for j in (1..3000) %}{% endfor %}{% endfor %}";

/** The RenderError of rendering `source` with `limits`, and how long the render took. */
function failedRender(source: string, limits: RenderLimits = DEFAULT_RENDER_LIMITS) {
  const model = buildModel([], { prefix: "/apps/", revision: 1 });
  const startedAt = performance.now();
  try {
    createRenderer(limits).render(source, NAME, model, SETTINGS);
  } catch (error) {
    if (error instanceof RenderError) return { error, ms: performance.now() - startedAt };
    throw error;
  }
  throw new Error("expected a RenderError");
}

describe("render limits", () => {
  test("a 20-million range appended to the default template fails at once, naming the limit", () => {
    const { error, ms } = failedRender(`${DEFAULT_TEMPLATE}${LOOP}`);
    expect(error.message).toBe(
      `${NAME}: render needed more than haproxy.render_memory_limit (${DEFAULT_RENDER_LIMITS.memory})`,
    );
    expect(ms).toBeLessThan(500);
  });

  test("a loop that allocates little is stopped by the render timeout", () => {
    const { error, ms } = failedRender(SLOW_LOOP, { ...DEFAULT_RENDER_LIMITS, timeoutMs: 100 });
    expect(error.message).toBe(`${NAME}: render took longer than haproxy.render_timeout (100ms)`);
    expect(ms).toBeLessThan(1000);
  });

  test("a template longer than the size limit is refused before it is parsed", () => {
    const limits = { ...DEFAULT_RENDER_LIMITS, templateSize: 1000 };
    const { error } = failedRender("x".repeat(1001), limits);
    expect(error.message).toBe(
      `${NAME}: template is longer than haproxy.template_size_limit (1000): 1001 characters`,
    );
  });

  test("the default template renders 10,000 servers well within the default limits", () => {
    const kvs: KeyValue[] = Array.from({ length: 10_000 }, (_, index) => ({
      key: `/apps/web/s${index}`,
      value: `s${index} 10.${index >> 16}.${(index >> 8) & 255}.${index & 255}:8080`,
    }));
    const model = buildModel(kvs, { prefix: "/apps/", revision: 1 });
    const startedAt = performance.now();
    const text = createRenderer().render(DEFAULT_TEMPLATE, NAME, model, SETTINGS);
    expect(performance.now() - startedAt).toBeLessThan(DEFAULT_RENDER_LIMITS.timeoutMs / 2);
    expect(text).toContain("server s9999 10.0.39.15:8080");
  });
});

describe("the render pipeline takes its limits from sluice.toml", () => {
  let dir = "";
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("render_timeout and render_memory_limit bound the configured template", () => {
    dir = mkdtempSync(join(tmpdir(), "sluice-limits-"));
    const template = join(dir, "haproxy.cfg.liquid");
    const file = join(dir, "sluice.toml");
    const pipeline = (limit: string) =>
      createRenderPipeline(
        parseConfigText(`[haproxy]\ntemplate = "${template}"\n${limit}\n`, file),
      );
    writeFileSync(template, SLOW_LOOP);
    expect(() => pipeline('render_timeout = "50ms"').renderKeys([], 1)).toThrow(
      `${template}: render took longer than haproxy.render_timeout (50ms)`,
    );
    writeFileSync(template, "{% for i in (1..5001) %}{% endfor %}");
    expect(() => pipeline("render_memory_limit = 5000").renderKeys([], 1)).toThrow(
      `${template}: render needed more than haproxy.render_memory_limit (5000)`,
    );
  });
});
