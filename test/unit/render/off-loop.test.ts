// Rendering the main template in a worker thread: the same text as a render on the loop, template
// errors as RenderErrors, and the event loop free meanwhile.

import { describe, expect, test } from "bun:test";
import { RenderError } from "../../../src/errors.ts";
import { buildModel } from "../../../src/model/build.ts";
import { freshLayout, updateLayout } from "../../../src/model/layout.ts";
import { renderSettings } from "../../../src/pipeline.ts";
import { DEFAULT_TEMPLATE } from "../../../src/render/default-template.ts";
import { createOffLoopRenderer, decodeModel, encodeModel } from "../../../src/render/off-loop.ts";
import { createRenderer, DEFAULT_RENDER_LIMITS } from "../../../src/render/render.ts";
import { RENDER } from "../../../src/tunables.ts";
import { FIXED_HAPROXY } from "./fixtures.ts";

const LAYOUT = { minSpares: 8, spareRatio: 0.25, maxSpares: 1024 };

function modelOf(services: number, perService: number, revision = 3) {
  const kvs = [];
  for (let s = 0; s < services; s++) {
    for (let i = 0; i < perService; i++) {
      const n = s * perService + i;
      kvs.push({
        key: `/apps/svc${s}/i${i}`,
        value: `i${i} 10.${n >> 16}.${(n >> 8) & 255}.${n & 255}:80`,
        createRevision: n + 1,
      });
    }
  }
  return buildModel(kvs, { prefix: "/apps/", revision });
}

describe("the model sent to the render worker", () => {
  test("decodes to the same model and slots, free slots and moved servers included", async () => {
    const before = modelOf(3, 20);
    const after = modelOf(3, 25, 4);
    const layout = updateLayout(freshLayout(before, LAYOUT), after, LAYOUT);
    const decoded = decodeModel(await encodeModel(after, layout));
    expect(decoded.model).toEqual({ ...after, rejected: [] });
    expect(decoded.layout).toEqual(layout);
  });

  test("a service encoded in several pieces decodes whole", async () => {
    const model = modelOf(2, 4500);
    const layout = freshLayout(model, LAYOUT);
    const decoded = decodeModel(await encodeModel(model, layout));
    expect(decoded.model).toEqual({ ...model, rejected: [] });
    expect(decoded.layout).toEqual(layout);
  });
});

describe("rendering off the event loop", () => {
  test("gives the text a render on the loop gives", async () => {
    const model = modelOf(20, 200);
    const layout = freshLayout(model, LAYOUT);
    const settings = renderSettings(FIXED_HAPROXY, model, "t");
    const text = await createOffLoopRenderer(DEFAULT_RENDER_LIMITS).render(
      DEFAULT_TEMPLATE,
      "t",
      model,
      settings,
      layout,
    );
    expect(text).toBe(createRenderer().render(DEFAULT_TEMPLATE, "t", model, settings, layout));
  });

  test("the worker is stopped once idle, and started again for the next render", async () => {
    const model = modelOf(1, 3);
    const settings = renderSettings(FIXED_HAPROXY, model, "t");
    const layout = freshLayout(model, LAYOUT);
    const renderer = createOffLoopRenderer(DEFAULT_RENDER_LIMITS);
    expect(renderer.running()).toBe(false);
    expect(await renderer.render("{{ revision }}", "t", model, settings, layout)).toBe("3");
    expect(renderer.running()).toBe(true);
    await Bun.sleep(RENDER.workerIdleMs + 200);
    expect(renderer.running()).toBe(false);
    expect(await renderer.render("{{ revision }}!", "t", model, settings, layout)).toBe("3!");
  });

  test("a template error is a RenderError naming the template", async () => {
    const model = modelOf(1, 1);
    const renderer = createOffLoopRenderer(DEFAULT_RENDER_LIMITS);
    const failing = renderer.render(
      "{{ x | nosuchfilter }}",
      "bad.liquid",
      model,
      renderSettings(FIXED_HAPROXY, model, "t"),
      freshLayout(model, LAYOUT),
    );
    expect(failing).rejects.toBeInstanceOf(RenderError);
    await failing.catch((error) => expect(String(error.message)).toContain("bad.liquid"));
    // The worker renders again after a failed render.
    const text = await renderer.render(
      "{{ revision }}",
      "ok",
      model,
      renderSettings(FIXED_HAPROXY, model, "t"),
      freshLayout(model, LAYOUT),
    );
    expect(text).toBe("3");
  });

  test("the event loop keeps running while 20,000 servers render", async () => {
    const model = modelOf(1, 20_000);
    const layout = freshLayout(model, LAYOUT);
    let longest = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 1);
    let ticks = 0;
    const counter = setInterval(() => ticks++, 5);
    const settings = renderSettings(FIXED_HAPROXY, model, "t");
    const text = await createOffLoopRenderer(DEFAULT_RENDER_LIMITS).render(
      DEFAULT_TEMPLATE,
      "t",
      model,
      settings,
      layout,
    );
    clearInterval(timer);
    clearInterval(counter);
    expect(text).toContain("server i19999 ");
    // A render on the loop gives the timers no turn at all until it ends.
    expect(ticks).toBeGreaterThan(3);
  });
});
