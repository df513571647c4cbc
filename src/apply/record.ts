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

export function createApplyRecord(now: () => Date = () => new Date()): ApplyRecord {
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
      if (
        changedAt !== undefined &&
        result.routedAt !== undefined &&
        result.outcome !== "unchanged"
      ) {
        record.lastLatencyMs = Math.round((result.routedAt - changedAt) * 100) / 100;
      }
      record.applies++;
      record.revision = result.revision;
      record.lastOkAt = now().toISOString();
    },
    failed(error) {
      record.lastError = describeError(error);
      return record.lastError;
    },
    view: () => ({ ...record }),
  };
}
