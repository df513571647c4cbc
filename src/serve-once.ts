// `sluice serve --once`: everything once, without anything long-lived: read etcd, render, check
// and write haproxy.cfg through the config file's steps (with `[haproxy]`), and apply every
// `[[template]]` file once; throws naming whatever failed.

import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { createConfigFile } from "./apply/config-file.ts";
import type { HaproxyConfig, SluiceConfig } from "./config/schema.ts";
import { createDiscovery } from "./discovery/create.ts";
import { ApplyError, describeError } from "./errors.ts";
import { createLogger, type Logger } from "./log.ts";
import { countServers } from "./model/build.ts";
import type { KeyValue } from "./model/types.ts";
import { createRenderPipeline, preflight } from "./pipeline.ts";
import { applyResourcesOnce } from "./resources/once.ts";

export async function renderOnce(
  config: SluiceConfig,
  log: Logger = createLogger(undefined, { format: config.logFormat, level: config.logLevel }),
): Promise<void> {
  preflight(config);
  const discovery = createDiscovery(config, log);
  try {
    const { kvs, revision } = await discovery.snapshot();
    const failures: string[] = [];
    if (config.haproxy) {
      // The files are applied even when haproxy.cfg fails, as confd goes on past a failed file.
      await renderHaproxyOnce(config, config.haproxy, kvs, revision, log).catch((error) =>
        failures.push(describeError(error)),
      );
    }
    failures.push(...(await applyResourcesOnce(config, kvs, revision, log)));
    if (failures.length === 1) throw new ApplyError(failures[0]!);
    if (failures.length > 1) {
      throw new ApplyError(`${failures.length} failures:\n  ${failures.join("\n  ")}`);
    }
  } finally {
    await discovery.stop();
  }
}

/** haproxy.cfg rendered from `kvs`, checked with `haproxy -c`, and written. */
async function renderHaproxyOnce(
  config: SluiceConfig,
  haproxy: HaproxyConfig,
  kvs: KeyValue[],
  revision: number,
  log: Logger,
): Promise<void> {
  const pipeline = createRenderPipeline(config);
  const { model, text } = await pipeline.renderKeysSettled(kvs, revision);
  mkdirSync(dirname(haproxy.config), { recursive: true });
  await createConfigFile({ path: haproxy.config, check: pipeline.check }).replaceChecked(text);
  log.info("rendered", {
    config: haproxy.config,
    revision,
    services: model.services.length,
    backends: countServers(model),
    rejected: model.rejected.length,
  });
}
