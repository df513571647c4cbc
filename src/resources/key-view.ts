// What one `[[template]]` resource sees of the key set: confd's view. Pure.

import type { TemplateResource } from "../config/schema.ts";
import type { KeyValue } from "../model/types.ts";
import type { TemplateEntry } from "../render/lookups.ts";

/**
 * The raw keys under `prefix + key` for each of the resource's `keys` (a string prefix match, as
 * confd's), with `prefix` taken off the front: `/prod/app/db` with prefix `/prod` is `/app/db`.
 * Sorted by key; a key matched by two of `keys` is listed once.
 */
export function resourceEntries(
  resource: Pick<TemplateResource, "keys" | "prefix">,
  kvs: readonly KeyValue[],
): TemplateEntry[] {
  const ranges = resource.keys.map((key) => `${resource.prefix}${key}`);
  const byKey = new Map<string, string>();
  for (const { key, value } of kvs) {
    if (!ranges.some((range) => key.startsWith(range))) continue;
    byKey.set(viewKey(key, resource.prefix), value);
  }
  return [...byKey]
    .map(([key, value]) => ({ key, value }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The key without `prefix`, always starting with one `/` (confd joins it onto "/"). */
function viewKey(key: string, prefix: string): string {
  const rest = key.slice(prefix.length);
  return `/${rest.replace(/^\/+/, "")}`;
}

/** Every key range the resource reads (`prefix + key`), for the discovery's watch. */
export function resourceRanges(resource: Pick<TemplateResource, "keys" | "prefix">): string[] {
  return resource.keys.map((key) => `${resource.prefix}${key}`);
}
