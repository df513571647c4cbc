// The log line of an apply that changed what HAProxy serves.

import type { Logger } from "../log.ts";
import { countServers } from "../model/build.ts";
import type { Reconciler } from "../reconcile/reconciler.ts";
import type { ApplyResult } from "../reconcile/types.ts";

/** One line per apply that changed what HAProxy serves. */
export function logApplied(log: Logger, reconciler: Reconciler, result: ApplyResult): void {
  const served = reconciler.served();
  const what = result.outcome === "runtime" ? "updated through the runtime API" : result.outcome;
  log.info(`haproxy ${what}`, {
    revision: result.revision,
    services: served.services.length,
    backends: countServers(served),
    rejected: reconciler.latest().rejected.length,
  });
}
