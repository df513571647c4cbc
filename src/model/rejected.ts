// Rejected registrations kept small wherever they are shown or stored: a value cut short can be
// of any size in etcd, and thousands of junk keys must not make status or the snapshot huge.

import { showBytes } from "./raw-text.ts";
import type { KeyValue, Rejected } from "./types.ts";

/** Longest rejected value kept in status and in the snapshot, characters. */
export const REJECTED_VALUE_SHOWN = 256;
/** How many rejected registrations `/v1/status` lists; the rest are paged at `/v1/rejected`. */
export const REJECTED_LISTED = 100;

/**
 * `value` cut to `max` characters, marked with "…". The mark can never be part of a valid
 * registration, so a cut value read back from the snapshot is rejected again, never served.
 */
export function cutValue(value: string, max = REJECTED_VALUE_SHOWN): string {
  return value.length > max ? `${value.slice(0, max)}…` : value;
}

/** A rejection as status shows it: its value cut short, bytes that are not UTF-8 as `\xNN`. */
export function shownRejection(rejected: Rejected): Rejected {
  return {
    ...rejected,
    key: showBytes(rejected.key),
    value: showBytes(cutValue(rejected.value)),
  };
}

/** The key set to save: accepted registrations whole, rejected ones with their values cut. */
export function keysToSave(kvs: KeyValue[], rejected: readonly Rejected[]): KeyValue[] {
  if (rejected.length === 0) return kvs;
  const rejectedKeys = new Set(rejected.map((entry) => entry.key));
  return kvs.map((kv) => (rejectedKeys.has(kv.key) ? { ...kv, value: cutValue(kv.value) } : kv));
}

/** One page of rejections. */
export function rejectedPage(
  rejected: readonly Rejected[],
  offset: number,
  limit: number,
): { total: number; offset: number; rejected: Rejected[] } {
  return {
    total: rejected.length,
    offset,
    rejected: rejected.slice(offset, offset + limit).map(shownRejection),
  };
}
