// The daemon's first step: serve the last good config at once, before etcd answers.

import type { Applier } from "./apply/applier.ts";
import type { SluiceConfig } from "./config/schema.ts";
import type { DesiredStore } from "./desired.ts";
import { describeError } from "./errors.ts";
import type { Logger } from "./log.ts";
import { readSnapshot, snapshotPath } from "./snapshot.ts";

/**
 * Serves the last good config at once, so traffic flows even before etcd answers, and takes the
 * keys behind it from the last snapshot until etcd confirms or changes them.
 */
export async function startFromLastGood(
  config: SluiceConfig,
  applier: Applier,
  desired: DesiredStore,
  applyLatest: () => void,
  log: Logger,
): Promise<void> {
  try {
    if (await applier.startFromLastGood()) log.info("haproxy started from the last good config");
  } catch (error) {
    log.warn("cannot start from the last good config", { error: describeError(error) });
  }
  const snapshot = readSnapshot(snapshotPath(config.stateDir));
  if (snapshot && desired.fromSnapshot(snapshot)) {
    log.info("serving the last known state until etcd answers", {
      revision: snapshot.revision,
      saved_at: snapshot.savedAt,
    });
    applyLatest();
  }
}
