// `lbctl import-confd --copy-v2-keys`: reads the keys confd read from a v2 store still running
// (HTTP `GET /v2/keys<dir>?recursive=true`) and puts them into v3. Keys v3 already holds with
// another value are reported, and overwritten only when asked.

import type { EtcdConfig } from "../config/schema.ts";
import { createEtcdCalls } from "../discovery/etcd-calls.ts";
import { DiscoveryError, describeError } from "../errors.ts";

/** A node of a v2 answer. */
type V2Node = { key?: string; value?: string; dir?: boolean; nodes?: V2Node[] };

/** The v2 directory to list for a key prefix: the prefix itself when it ends in `/`, else its
 * parent, so that `/app/web` also finds the sibling keys `/app/web-1` that sluice's prefix sees. */
function directoryOf(prefix: string): string {
  return prefix.endsWith("/") ? prefix : prefix.slice(0, prefix.lastIndexOf("/") + 1) || "/";
}

function collect(node: V2Node, into: Map<string, string>): void {
  if (!node.dir && node.key !== undefined && node.value !== undefined)
    into.set(node.key, node.value);
  for (const child of node.nodes ?? []) collect(child, into);
}

/** Lists one v2 directory on the first endpoint that answers. */
async function listDirectory(
  endpoints: string[],
  directory: string,
  fetchImpl: typeof fetch,
): Promise<Map<string, string>> {
  const path = directory.split("/").map(encodeURIComponent).join("/");
  let failure = "";
  for (const endpoint of endpoints) {
    try {
      const response = await fetchImpl(
        `${endpoint.replace(/\/+$/, "")}/v2/keys${path}?recursive=true`,
        { signal: AbortSignal.timeout(10_000) },
      );
      const keys = new Map<string, string>();
      if (response.status === 404) return keys;
      if (!response.ok)
        throw new Error(`HTTP ${response.status}: ${(await response.text()).trim()}`);
      collect(((await response.json()) as { node?: V2Node }).node ?? {}, keys);
      return keys;
    } catch (error) {
      failure = `${endpoint}: ${describeError(error)}`;
    }
  }
  throw new DiscoveryError(
    `cannot read ${directory} from the v2 store (${failure}); is etcd running with --enable-v2=true?`,
  );
}

/** Every v2 key that starts with one of `prefixes`, with its value. */
export async function readV2Keys(
  endpoints: string[],
  prefixes: string[],
  fetchImpl: typeof fetch = fetch,
): Promise<Map<string, string>> {
  const keys = new Map<string, string>();
  const directories = [...new Set(prefixes.map(directoryOf))];
  for (const directory of directories) {
    for (const [key, value] of await listDirectory(endpoints, directory, fetchImpl)) {
      if (prefixes.some((prefix) => key.startsWith(prefix))) keys.set(key, value);
    }
  }
  return keys;
}

/** What a copy did: keys put, keys v3 already had with the same value, and differing ones. */
export type CopyResult = {
  read: number;
  copied: number;
  same: number;
  conflicts: { key: string; v2: string; v3: string; overwritten: boolean }[];
};

/** Puts `keys` into the v3 store of `etcd`; a key v3 holds with another value is put only with
 * `overwrite`. */
export async function putV3Keys(
  keys: Map<string, string>,
  etcd: EtcdConfig,
  overwrite: boolean,
): Promise<CopyResult> {
  const call = createEtcdCalls({ etcd, callTimeoutMs: etcd.dialTimeoutMs });
  const result: CopyResult = { read: keys.size, copied: 0, same: 0, conflicts: [] };
  try {
    for (const [key, value] of [...keys].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const existing = await call((etcd3) => etcd3.get(key).string());
      if (existing === value) {
        result.same++;
        continue;
      }
      if (existing !== null) {
        result.conflicts.push({ key, v2: value, v3: existing, overwritten: overwrite });
        if (!overwrite) continue;
      }
      await call((etcd3) => etcd3.put(key).value(value).exec());
      result.copied++;
    }
  } finally {
    call.close();
  }
  return result;
}
