// The render figure of `make bench`: the default template rendered for one service of 10,000
// servers, in process (no etcd, no HAProxy), so the time an apply blocks the event loop shows.
// Run alone with `bun bench/render-figure.ts`.

import { buildModel } from "../src/model/build.ts";
import type { KeyValue } from "../src/model/types.ts";
import { DEFAULT_TEMPLATE } from "../src/render/default-template.ts";
import { createRenderer, type RenderSettings } from "../src/render/render.ts";

/** Render times of `servers` servers, `samples` times after a warm-up, sorted, ms. */
export function measureRender(servers: number, samples: number): number[] {
  const kvs: KeyValue[] = Array.from({ length: servers }, (_, index) => ({
    key: `/apps/web/s${index}`,
    value: `s${index} 10.${index >> 16}.${(index >> 8) & 255}.${index & 255}:8080`,
  }));
  const model = buildModel(kvs, { prefix: "/apps/", revision: 1 });
  const settings: RenderSettings = { template: "bench", haproxy: {}, defaultService: "web" };
  const renderer = createRenderer();
  renderer.render(DEFAULT_TEMPLATE, "bench", model, settings);
  const times: number[] = [];
  for (let sample = 0; sample < samples; sample++) {
    const startedAt = performance.now();
    renderer.render(DEFAULT_TEMPLATE, "bench", model, settings);
    times.push(performance.now() - startedAt);
  }
  return times.sort((a, b) => a - b);
}

if (import.meta.main) {
  const times = measureRender(10_000, 20);
  const at = (p: number) => times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)]!;
  console.log(
    `render of 10,000 servers: p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms`,
  );
}
