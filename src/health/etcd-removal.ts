// The edge to etcd for the removal of dead backends: the leader election (leases, keepalives,
// the candidate keys) and the compare-and-delete of registrations, through etcd3 with the TLS
// and auth of `[etcd]`. Calls fail over across the endpoints through discovery/etcd-calls.ts.

import type { Etcd3, IKeyValue } from "etcd3";
import type { EtcdConfig } from "../config/schema.ts";
import { createEtcdCalls, renewLeaseOnce, revokeLease } from "../discovery/etcd-calls.ts";
import { prefixEnd } from "../discovery/key-range.ts";
import { DiscoveryError } from "../errors.ts";
import { bytesToText, isInvalidUtf8 } from "../model/raw-text.ts";
import type {
  CampaignRequest,
  CampaignResult,
  Candidate,
  ElectionStore,
  Fence,
  RemovalOutcome,
  RemovalStore,
} from "./election-store.ts";

export type EtcdRemovalOptions = {
  etcd: EtcdConfig;
  /** Longest one call may wait for one endpoint, ms. */
  callTimeoutMs: number;
};

/** The election and the removals over the endpoints of `options.etcd`. */
export function createEtcdRemovalStore(options: EtcdRemovalOptions): ElectionStore & RemovalStore {
  const call = createEtcdCalls(options);
  return {
    grant: (ttlSeconds) =>
      call(async (etcd3) => (await etcd3.leaseClient.leaseGrant({ TTL: ttlSeconds })).ID),
    keepAlive: (lease) => call((etcd3) => renewLeaseOnce(etcd3, lease, options.callTimeoutMs)),
    campaign: (request) => call((etcd3) => campaign(etcd3, request)),
    revoke: (lease) => call((etcd3) => revokeLease(etcd3, lease)),
    modRevision: (key) =>
      call(async (etcd3) => {
        const response = await etcd3.kv.range({ key: keyBytes(key) });
        const kv = response.kvs[0];
        return kv === undefined ? undefined : Number(kv.mod_revision);
      }),
    deleteIfUnchanged: (key, modRevision, fence) =>
      call((etcd3) => deleteIfUnchanged(etcd3, key, modRevision, fence)),
    close: () => call.close(),
  };
}

/** A served key as etcd's bytes; keys that were not valid UTF-8 are never served. */
function keyBytes(key: string): Buffer {
  if (isInvalidUtf8(key)) throw new DiscoveryError(`key ${JSON.stringify(key)} is not UTF-8`);
  return Buffer.from(key);
}

/** Every candidate of the election, the oldest (the leader) first, and only that one. */
function leaderRange(prefix: string) {
  return {
    key: Buffer.from(prefix),
    range_end: prefixEnd(prefix),
    sort_order: "Ascend",
    sort_target: "Create",
    limit: 1,
  } as const;
}

function toCandidate(kv: IKeyValue | undefined): Candidate | undefined {
  if (kv === undefined) return undefined;
  const identity = bytesToText(kv.value);
  return { key: bytesToText(kv.key), identity, createRevision: Number(kv.create_revision) };
}

/** Puts the candidate's key unless it exists, and reads its create revision and the leader, in
 * one transaction. */
async function campaign(etcd3: Etcd3, request: CampaignRequest): Promise<CampaignResult> {
  const key = Buffer.from(request.key);
  const leader = leaderRange(request.prefix);
  const response = await etcd3.kv.txn({
    compare: [{ key, target: "Create", result: "Equal", create_revision: 0 }],
    success: [
      { request_put: { key, value: Buffer.from(request.identity), lease: request.lease } },
      { request_range: leader },
    ],
    failure: [{ request_range: { key } }, { request_range: leader }],
  });
  const first = toCandidate(response.responses[1]?.response_range.kvs[0]);
  if (response.succeeded) {
    // The put is the transaction's one write: it created the key at the header's revision.
    return { createRevision: Number(response.header.revision), leader: first };
  }
  const own = response.responses[0]?.response_range.kvs[0];
  return { createRevision: Number(own?.create_revision ?? 0), leader: first };
}

/** Deletes `key` if it is still at `modRevision` and the fence still stands, in one
 * transaction; on a failed compare, tells which failed. */
async function deleteIfUnchanged(
  etcd3: Etcd3,
  key: string,
  modRevision: number,
  fence: Fence,
): Promise<RemovalOutcome> {
  const target = keyBytes(key);
  const fenceKey = Buffer.from(fence.key);
  const response = await etcd3.kv.txn({
    compare: [
      { key: target, target: "Mod", result: "Equal", mod_revision: modRevision },
      { key: fenceKey, target: "Create", result: "Equal", create_revision: fence.createRevision },
    ],
    success: [{ request_delete_range: { key: target } }],
    failure: [{ request_range: { key: fenceKey, keys_only: true } }],
  });
  if (response.succeeded) return "deleted";
  const held = response.responses[0]?.response_range.kvs[0];
  const leads = held !== undefined && Number(held.create_revision) === fence.createRevision;
  return leads ? "changed" : "not-leader";
}
