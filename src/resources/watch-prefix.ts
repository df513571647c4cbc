// The one key range discovery watches: the registrations (with `[haproxy]`), every resource's
// keys and every trusted prefix. The model still takes only keys under etcd.prefix. Pure.

import type { EtcdConfig, SluiceConfig } from "../config/schema.ts";
import { resourceRanges } from "./key-view.ts";

/** The parts of the config that say what sluice reads. */
export type WatchedConfig = Pick<SluiceConfig, "etcd" | "haproxy" | "templates">;

/** Every key range sluice reads. */
export function watchedRanges(config: WatchedConfig): string[] {
  return [
    ...(config.haproxy ? [config.etcd.prefix, ...config.haproxy.trustedPrefixes] : []),
    ...config.templates.flatMap(resourceRanges),
  ];
}

/** The longest common prefix of every range sluice reads; etcd.prefix when it reads none. */
export function watchPrefix(config: WatchedConfig): string {
  const ranges = watchedRanges(config);
  if (ranges.length === 0) return config.etcd.prefix;
  let common = ranges[0]!;
  for (const range of ranges.slice(1)) {
    let length = 0;
    while (length < common.length && common[length] === range[length]) length++;
    common = common.slice(0, length);
  }
  return common;
}

/** `[etcd]` with the prefix discovery is to watch (`watchPrefix`): give this to the discovery. */
export function discoveryEtcdConfig(config: WatchedConfig): EtcdConfig {
  return { ...config.etcd, prefix: watchPrefix(config) };
}
