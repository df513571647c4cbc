// `sluice serve --once`: the render pipeline once, without anything long-lived: read etcd, render,
// check and write haproxy.cfg through the config file's steps.

import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { createConfigFile } from "./apply/config-file.ts";
import type { SluiceConfig } from "./config/schema.ts";
import { createDiscovery } from "./discovery/create.ts";
import { createLogger, type Logger } from "./log.ts";
import { countServers } from "./model/build.ts";
import { createRenderPipeline, preflight, requireHaproxy } from "./pipeline.ts";

export async function renderOnce(
  config: SluiceConfig,
  log: Logger = createLogger(undefined, { format: config.logFormat, level: config.logLevel }),
): Promise<void> {
  const haproxy = requireHaproxy(config);
  preflight(config);
  const pipeline = createRenderPipeline(config);
  const discovery = createDiscovery(config, log);
  try {
    const { kvs, revision } = await discovery.snapshot();
    const { model, text } = pipeline.renderKeys(kvs, revision);
    mkdirSync(dirname(haproxy.config), { recursive: true });
    await createConfigFile({ path: haproxy.config, check: pipeline.check }).replaceChecked(text);
    log.info("rendered", {
      config: haproxy.config,
      revision,
      services: model.services.length,
      backends: countServers(model),
      rejected: model.rejected.length,
    });
  } finally {
    await discovery.stop();
  }
}
