// Key set updates as discovery hands them to its listener, for tests of what listens.

import type { KeySetUpdate } from "../../src/discovery/types.ts";
import type { KeyDelta, KeyValue } from "../../src/model/types.ts";

/** An update whose key set is `kvs`; its changes are every key unless given. */
export function keySet(
  kvs: KeyValue[],
  revision: number,
  changes: readonly KeyDelta[] = kvs,
  relisted = false,
): KeySetUpdate {
  return { revision, changes, relisted, kvs: () => kvs };
}
