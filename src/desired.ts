// The desired state: the newest key set from etcd (or, until etcd answers, the one saved on
// disk), its revision, and when the oldest change not yet applied arrived.

import type { KeyValue } from "./model/types.ts";
import type { Desired } from "./reconcile/types.ts";
import type { Snapshot } from "./snapshot.ts";

/** Where the desired keys came from: etcd itself, the snapshot on disk, or nowhere yet. */
export type DesiredSource = "none" | "snapshot" | "etcd";

export type DesiredStore = {
  current(): Desired;
  source(): DesiredSource;
  /** A key set from etcd. */
  fromEtcd(kvs: KeyValue[], revision: number): void;
  /** The key set saved on disk, used only while etcd has not answered. Returns whether used. */
  fromSnapshot(snapshot: Snapshot): boolean;
  /** Whether a change from etcd arrived that no apply has taken yet. */
  changePending(): boolean;
  /** When the oldest change not yet applied arrived (performance.now()), and forgets it. */
  takeChangedAt(): number | undefined;
};

export function createDesiredStore(now: () => number = () => performance.now()): DesiredStore {
  let desired: Desired = { kvs: [], revision: 0 };
  let source: DesiredSource = "none";
  let changedAt: number | undefined;
  return {
    current: () => desired,
    source: () => source,
    fromEtcd(kvs, revision) {
      desired = { kvs, revision };
      source = "etcd";
      changedAt ??= now();
    },
    fromSnapshot(snapshot) {
      if (source !== "none") return false;
      desired = { kvs: snapshot.kvs, revision: snapshot.revision };
      source = "snapshot";
      return true;
    },
    changePending: () => changedAt !== undefined,
    takeChangedAt() {
      const at = changedAt;
      changedAt = undefined;
      return at;
    },
  };
}
