// The snapshot of the keys behind what is served, saved to state_dir after applies (wiring).

import type { SluiceConfig } from "./config/schema.ts";
import type { DesiredStore } from "./desired.ts";
import type { Logger } from "./log.ts";
import { keysToSave } from "./model/rejected.ts";
import type { Reconciler } from "./reconcile/reconciler.ts";
import { createSnapshotSaver, snapshotPath } from "./snapshot.ts";
import { APPLY } from "./tunables.ts";

/** Saves the key set etcd last gave (rejected values cut short), debounced. */
export function daemonSnapshots(
  config: SluiceConfig,
  desired: DesiredStore,
  reconciler: Reconciler,
  log: Logger,
): ReturnType<typeof createSnapshotSaver> {
  return createSnapshotSaver(
    snapshotPath(config.stateDir),
    () => {
      const { revision, kvs } = desired.current();
      return { revision, kvs: keysToSave(kvs, reconciler.latest().rejected) };
    },
    APPLY.snapshotDebounceMs,
    log,
  );
}
