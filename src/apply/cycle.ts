// One queued apply job, in steps: read the newest desired state, prepare, wait for more changes
// and for the reload pacer before a reload, execute, and let the config file follow a fast-path
// update (itself a queued job, so nothing writes haproxy.cfg outside the queue). After each job,
// a background reload the reconciler wants is scheduled, paced like every reload.

import { createCoalescer } from "../coalesce.ts";
import type { DesiredStore } from "../desired.ts";
import type { Logger } from "../log.ts";
import { countServers } from "../model/build.ts";
import type { Reconciler } from "../reconcile/reconciler.ts";
import type { ApplyResult, Prepared } from "../reconcile/types.ts";
import { APPLY } from "../tunables.ts";
import { logApplied } from "./applied-log.ts";
import { type ApplyKind, type ApplyQueue, createApplyQueue } from "./queue.ts";
import type { ApplyRecord } from "./record.ts";
import { createReloadPacer, type ReloadPacer, type ReloadPacerOptions } from "./reload-pacer.ts";
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
  /** `[apply] min_reload_interval`: at most one reload per this long, ms; 0: no pacing. */
  minReloadIntervalMs: number;
  sleep?: (ms: number) => Promise<void>;
  /** The pacer's clock (epoch ms) and timer; real ones by default. */
  now?: ReloadPacerOptions["now"];
  setTimer?: ReloadPacerOptions["setTimer"];
  /** Asks for garbage to be collected (after the file followed, at most every few seconds);
   * `servers`: how many are served, which sizes the heap. */
  collectGarbage?: (servers: number) => void;
};

export type ApplyCycle = {
  queue: ApplyQueue<ApplyResult>;
  /** When the failed job is tried again (epoch ms), or undefined when nothing failed. */
  nextRetryAt(): number | undefined;
  /** When the next reload is due (epoch ms): one waiting for `reload_wait` or the pacer, or a
   * background one scheduled; undefined when none is. */
  nextReloadAt(): number | undefined;
  /** Background reloads run so far. */
  backgroundReloads(): number;
  /** Stops the file-sync timer, the pacer and the queue. */
  stop(): Promise<void>;
};

/** What the jobs share. */
type Jobs = Pick<
  ApplyCycleOptions,
  "reconciler" | "desired" | "record" | "log" | "reloadWaitMs"
> & {
  pacer: ReloadPacer;
  /** The file follows a fast-path update shortly. */
  fileSync: { poke(): void };
  collectGarbage: (servers: number) => void;
  /** Background reloads run, and whether one is due (its timer fired; the next job runs it). */
  background: { reloads: number; due: boolean };
  /** When garbage was last collected after the file followed (epoch ms). */
  garbage: { collectedAt: number };
  now: () => number;
};

export function createApplyCycle(options: ApplyCycleOptions): ApplyCycle {
  const sleep = options.sleep ?? ((ms: number) => Bun.sleep(ms));
  // The file follows once fast-path updates pause, and at least every 500 ms while they go on.
  const fileSync = createCoalescer(
    () => void queue.request("sync").catch(() => undefined),
    APPLY.fileSyncQuietMs,
    APPLY.fileSyncMaxDelayMs,
  );
  const pacer = createReloadPacer({
    intervalMs: options.minReloadIntervalMs,
    ...{ sleep, now: options.now, setTimer: options.setTimer },
  });
  const jobs: Jobs = {
    ...options,
    ...{ pacer, fileSync, background: { reloads: 0, due: false }, garbage: { collectedAt: 0 } },
    now: options.now ?? Date.now,
    // A synchronous collection returns the most memory, but its pause grows with the heap (with
    // it, a 100,000-server propagation p99 was 103 ms, without 43): past
    // APPLY.syncCollectUpToServers the collector is only asked.
    collectGarbage:
      options.collectGarbage ?? ((servers) => Bun.gc(servers <= APPLY.syncCollectUpToServers)),
  };
  const { reconciler, record, log } = options;

  /** A failed job is tried again with backoff until one succeeds; no timer throws. */
  const retry = createRetrySchedule((kind) => void queue.request(kind).catch(() => undefined));
  const requestBackground = () => {
    jobs.background.due = true;
    void queue.request("background").catch(() => undefined);
  };

  async function run(kind: ApplyKind): Promise<ApplyResult> {
    const backgroundBefore = jobs.background.reloads;
    try {
      const result = await runJob(jobs, kind);
      if (result.outcome === "file-synced") record.succeeded(result, undefined);
      retry.succeeded();
      // Not right after a background reload: the next job checks again, so a reason a reload
      // does not clear cannot loop.
      const backgroundRan = jobs.background.reloads > backgroundBefore;
      if (!backgroundRan && reconciler.backgroundReload().length > 0) {
        pacer.schedule(requestBackground, options.reloadWaitMs);
      }
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
    nextReloadAt: pacer.nextAt,
    backgroundReloads: () => jobs.background.reloads,
    async stop() {
      fileSync.cancel();
      retry.cancel();
      // A reload waiting for the pacer runs at once rather than hold the stop up.
      pacer.cancel();
      await queue.stop();
    },
  };
}

async function runJob(jobs: Jobs, kind: ApplyKind): Promise<ApplyResult> {
  if (kind === "background") return backgroundReload(jobs);
  const result = await (kind === "sync" ? syncFile(jobs) : apply(jobs, kind === "reload"));
  // A due background reload this job absorbed runs right after it, so a stream of changes,
  // each merging into the job queued, cannot put it off.
  if (jobs.background.due) await backgroundReload(jobs);
  return result;
}

async function apply(jobs: Jobs, force: boolean): Promise<ApplyResult> {
  const { reconciler, desired } = jobs;
  const changedAt = desired.takeChangedAt();
  let prepared = await reconciler.prepare(desired.current(), force);
  // A reload waits for the rest of its burst, and until the interval since the last one has
  // passed; then it reads the state again, so every change meanwhile joins it. An operator's
  // forced reload runs at once. Runtime API updates never wait.
  if (!force && reconciler.waitsBeforeReload(prepared)) {
    await routeWhileWaiting(jobs);
    prepared = await reconciler.prepare(desired.current(), force);
  }
  return execute(jobs, prepared, force, changedAt);
}

/**
 * Waits for the reload's burst and the pacer; meanwhile the membership changes of services the
 * reload does not restructure are served through the runtime API as they come, so no add waits
 * for a reload of another service.
 */
async function routeWhileWaiting(jobs: Jobs): Promise<void> {
  const { desired } = jobs;
  let looked = desired.current().revision;
  await servePartial(jobs);
  let waiting = true;
  const waited = jobs.pacer.wait(jobs.reloadWaitMs).finally(() => {
    waiting = false;
  });
  while (waiting) {
    // A real timer, not the cycle's sleep: the wait itself is what the pacer's sleep measures.
    await Promise.race([waited, Bun.sleep(APPLY.partialPollMs)]);
    if (!waiting || desired.current().revision === looked) continue;
    looked = desired.current().revision;
    await servePartial(jobs);
  }
}

/** Serves what of the newest state the runtime API can serve before the reload. */
async function servePartial(jobs: Jobs): Promise<void> {
  const { reconciler, desired } = jobs;
  await reconciler.digest(desired.current());
  const partial = reconciler.preparePartial(desired.current());
  if (!partial) return;
  const result = await reconciler.execute(partial);
  jobs.fileSync.poke();
  logApplied(jobs.log, reconciler, result);
}

/** A reload sluice wants on its own (server slots to add or shrink), paced like any reload. */
async function backgroundReload(jobs: Jobs): Promise<ApplyResult> {
  const { reconciler, desired } = jobs;
  jobs.background.due = false;
  const reasons = reconciler.backgroundReload();
  // No longer wanted (a reload since made room), or a reload ran since it was scheduled: the
  // file may still have to follow, and the cycle schedules it again when still wanted.
  if (reasons.length === 0 || jobs.pacer.delayMs() > 0) return syncFile(jobs);
  // Changes that came in since the last job are routed first: the reload is sluice's own
  // business, and no add waits for it.
  await servePartial(jobs);
  const changedAt = desired.takeChangedAt();
  const prepared = await reconciler.prepare(desired.current(), reasons);
  jobs.log.info("reloading in the background", { reasons: reasons.join("; ") });
  const result = await execute(jobs, prepared, true, changedAt);
  jobs.background.reloads++;
  return result;
}

async function execute(
  jobs: Jobs,
  prepared: Prepared,
  force: boolean,
  changedAt: number | undefined,
): Promise<ApplyResult> {
  const { reconciler } = jobs;
  const result = await reconciler.execute(prepared, force);
  if (result.outcome === "reloaded") jobs.pacer.reloaded();
  if (!reconciler.fileSynced()) jobs.fileSync.poke();
  jobs.record.succeeded(result, changedAt);
  if (result.outcome !== "unchanged") logApplied(jobs.log, reconciler, result);
  return result;
}

async function syncFile(jobs: Jobs): Promise<ApplyResult> {
  const { reconciler } = jobs;
  const revision = jobs.desired.current().revision;
  if (reconciler.fileSynced()) return { outcome: "file-synced", revision, routedAt: undefined };
  if (!reconciler.syncFile()) return apply(jobs, true);
  // Changes leave objects behind (thousands each in a large backend): the collector is asked,
  // while quiet and at most every few seconds, to take them rather than let the heap grow.
  if (jobs.now() - jobs.garbage.collectedAt >= APPLY.collectGarbageEveryMs) {
    jobs.garbage.collectedAt = jobs.now();
    jobs.collectGarbage(countServers(reconciler.served()));
  }
  return { outcome: "file-synced", revision, routedAt: undefined };
}
