// `sluice serve --once` for the `[[template]]` files: each applied once (write, check_cmd,
// reload_cmd) from one key set, like confd's -onetime.

import type { SluiceConfig } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { KeyValue } from "../model/types.ts";
import { createRenderer } from "../render/render.ts";
import { resourceRenderLimits } from "./resource-loop.ts";
import { createResourceRunner } from "./runner.ts";

/** Applies every resource once; the failures, one line each naming the file's dest and src. */
export async function applyResourcesOnce(
  config: SluiceConfig,
  kvs: readonly KeyValue[],
  revision: number,
  log: Logger,
): Promise<string[]> {
  if (config.templates.length === 0) return [];
  const runner = createResourceRunner({
    resources: config.templates,
    renderer: createRenderer(resourceRenderLimits(config)),
    log,
  });
  const applied = await runner.apply(kvs, revision);
  const changed = applied.results.filter((result) => result.changed).length;
  log.info("templates applied", { revision, templates: applied.results.length, changed });
  return applied.results
    .filter((result) => result.error !== undefined)
    .map((result) => `[[template]] ${result.dest} (src ${result.src}): ${result.error}`);
}
