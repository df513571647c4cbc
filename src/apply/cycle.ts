// One queued apply job, in steps: read the newest desired state, prepare, wait for more changes
// before a reload, execute, and let the config file follow a fast-path update (itself a queued
// job, so nothing writes haproxy.cfg outside the queue).

import { createCoalescer } from "../coalesce.ts";
import type { DesiredStore } from "../desired.ts";
import type { Logger } from "../log.ts";
import { countServers } from "../model/build.ts";
import type { Reconciler } from "../reconcile/reconciler.ts";
import type { ApplyResult } from "../reconcile/types.ts";
import { APPLY } from "../tunables.ts";
import { type ApplyKind, type ApplyQueue, createApplyQueue } from "./queue.ts";
import type { ApplyRecord } from "./record.ts";
import { createRetrySchedule } from "./retry.ts";

export type ApplyCycleOptions = {
  reconciler: Reconciler;
  /** The newest desired state, read when a job starts. */
  desired: DesiredStore;
  record: ApplyRecord;
  log: Logger;
  /** Called after every successful apply. */
  onApplied?: (result: ApplyResult) => void;
  /** Called after every failed apply, with its error. */
  onFailed?: (error: unknown) => void;
  /** `[apply] reload_wait`: a reload waits this long for more changes, ms. */
  reloadWaitMs: number;
  sleep?: (ms: number) => Promise<void>;
  /** Collects garbage (after a large backend's file followed). */
  collectGarbage?: () => void;
};

export type ApplyCycle = {
  queue: ApplyQueue<ApplyResult>;
  /** When the failed job is tried again (epoch ms), or undefined when nothing failed. */
  nextRetryAt(): number | undefined;
  /** Stops the file-sync timer and the queue. */
  stop(): Promise<void>;
};

export function createApplyCycle(options: ApplyCycleOptions): ApplyCycle {
  const { reconciler, desired, record, log } = options;
  const sleep = options.sleep ?? ((ms: number) => Bun.sleep(ms));
  const collectGarbage = options.collectGarbage ?? (() => Bun.gc(true));
  // The file follows once fast-path updates pause, and at least every 500 ms while they go on.
  const fileSync = createCoalescer(
    () => void queue.request("sync").catch(() => undefined),
    APPLY.fileSyncQuietMs,
    APPLY.fileSyncMaxDelayMs,
  );

  async function apply(force: boolean): Promise<ApplyResult> {
    const changedAt = desired.takeChangedAt();
    let prepared = await reconciler.prepare(desired.current(), force);
    if (!force && reconciler.waitsBeforeReload(prepared)) {
      // A burst of structural changes costs one reload: wait, then read the state again.
      await sleep(options.reloadWaitMs);
      prepared = await reconciler.prepare(desired.current(), force);
    }
    const result = await reconciler.execute(prepared, force);
    if (!reconciler.fileSynced()) fileSync.poke();
    record.succeeded(result, changedAt);
    if (result.outcome !== "unchanged") logApplied(log, reconciler, result);
    return result;
  }

  async function syncFile(): Promise<ApplyResult> {
    const revision = desired.current().revision;
    if (reconciler.fileSynced()) return { outcome: "file-synced", revision, routedAt: undefined };
    if (!reconciler.syncFile()) return apply(true);
    // Each change of a large model leaves thousands of objects behind; collect them while
    // quiet rather than let the heap grow.
    const large = reconciler
      .served()
      .services.some((service) => service.servers.length > APPLY.collectGarbageAboveServers);
    if (large) collectGarbage();
    return { outcome: "file-synced", revision, routedAt: undefined };
  }

  /** A failed job is tried again with backoff until one succeeds; no timer throws. */
  const retry = createRetrySchedule((kind) => void queue.request(kind).catch(() => undefined));

  async function run(kind: ApplyKind): Promise<ApplyResult> {
    try {
      const result = await (kind === "sync" ? syncFile() : apply(kind === "reload"));
      if (result.outcome === "file-synced") record.succeeded(result, undefined);
      retry.succeeded();
      options.onApplied?.(result);
      return result;
    } catch (error) {
      const text = record.failed(error);
      const retryInMs = retry.failed(kind, error);
      log.error("apply failed; the last good config keeps serving", {
        error: text,
        retry_in_ms: retryInMs,
      });
      options.onFailed?.(error);
      throw error;
    }
  }

  const queue = createApplyQueue<ApplyResult>(run);

  return {
    queue,
    nextRetryAt: retry.nextAt,
    async stop() {
      fileSync.cancel();
      retry.cancel();
      await queue.stop();
    },
  };
}

/** One line per apply that changed what HAProxy serves. */
function logApplied(log: Logger, reconciler: Reconciler, result: ApplyResult): void {
  const served = reconciler.served();
  const what = result.outcome === "runtime" ? "updated through the runtime API" : result.outcome;
  log.info(`haproxy ${what}`, {
    revision: result.revision,
    services: served.services.length,
    backends: countServers(served),
    rejected: reconciler.latest().rejected.length,
  });
}
