// What status says about applies: how many, the last success and error, the revision served, and
// how long the last change took from etcd to routed traffic.

import { describeError } from "../errors.ts";
import type { ApplyResult } from "../reconcile/types.ts";

export type ApplyRecordView = {
  applies: number;
  lastOkAt: string | undefined;
  lastError: string | undefined;
  revision: number;
  lastLatencyMs: number | undefined;
};

export type ApplyRecord = {
  /** Notes a finished job; `changedAt` is when the oldest change it applied arrived from etcd. */
  succeeded(result: ApplyResult, changedAt: number | undefined): void;
  /** Notes a failed job; returns the error's text. */
  failed(error: unknown): string;
  view(): ApplyRecordView;
};

/** Listeners of the record (the metrics): each apply that changed what HAProxy serves, with its
 * latency from the etcd change when it had one, and each failed apply. */
export type ApplyRecordHooks = {
  applied?(outcome: "runtime" | "started" | "reloaded", latencyMs: number | undefined): void;
  failed?(): void;
};

export function createApplyRecord(
  now: () => Date = () => new Date(),
  hooks: ApplyRecordHooks = {},
): ApplyRecord {
  const record: ApplyRecordView = {
    applies: 0,
    lastOkAt: undefined,
    lastError: undefined,
    revision: 0,
    lastLatencyMs: undefined,
  };
  return {
    succeeded(result, changedAt) {
      record.lastError = undefined;
      // The file catching up is not an apply: HAProxy already served that revision.
      if (result.outcome === "file-synced") return;
      if (result.outcome !== "unchanged") {
        const latencyMs =
          changedAt !== undefined && result.routedAt !== undefined
            ? result.routedAt - changedAt
            : undefined;
        if (latencyMs !== undefined) record.lastLatencyMs = Math.round(latencyMs * 100) / 100;
        hooks.applied?.(result.outcome, latencyMs);
      }
      record.applies++;
      record.revision = result.revision;
      record.lastOkAt = now().toISOString();
    },
    failed(error) {
      record.lastError = describeError(error);
      hooks.failed?.();
      return record.lastError;
    },
    view: () => ({ ...record }),
  };
}
