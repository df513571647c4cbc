// Chooses the discovery source sluice.toml names: etcd (`[etcd]`) or a key file (`[file]`).

import type { SluiceConfig } from "../config/schema.ts";
import { ConfigError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { discoveryEtcdConfig } from "../resources/watch-prefix.ts";
import { createEtcdDiscovery } from "./etcd.ts";
import { createFileDiscovery } from "./file/file.ts";
import type { Discovery } from "./types.ts";

/** The discovery of `config.discovery`: etcd by default, the watched key file with "file". */
export function createDiscovery(
  config: Pick<
    SluiceConfig,
    "discovery" | "fileDiscovery" | "etcd" | "file" | "haproxy" | "templates"
  >,
  log: Logger,
): Discovery {
  // One range holds the registrations, every [[template]]'s keys and the trusted prefixes.
  if (config.discovery === "etcd") return createEtcdDiscovery(discoveryEtcdConfig(config), log);
  if (!config.fileDiscovery) {
    throw new ConfigError(`${config.file}: discovery = "file" needs [file] path`);
  }
  return createFileDiscovery(config.fileDiscovery, log);
}
