// The edge to etcd for the removal of dead backends: the leader election (leases, keepalives,
// the candidate keys) and the compare-and-delete of registrations, through etcd3 with the TLS
// and auth of `[etcd]`. Clients come from discovery/etcd-client.ts; with it (and the registrar's
// edge) the only modules that import etcd3. A call goes to the endpoint that answered last; a
// failed one closes its client and tries the next endpoint, each time on a fresh connection.

import { castGrpcError, type Etcd3, EtcdLeaseInvalidError, type IKeyValue } from "etcd3";
import type { EtcdConfig } from "../config/schema.ts";
import {
  createEtcdClient,
  describeEtcdError,
  readEtcdSecrets,
  toDiscoveryError,
} from "../discovery/etcd-client.ts";
import { prefixEnd } from "../discovery/key-range.ts";
import { DiscoveryError, isRetryable } from "../errors.ts";
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
  const call = createFailover(options);
  return {
    grant: (ttlSeconds) =>
      call(async (etcd3) => (await etcd3.leaseClient.leaseGrant({ TTL: ttlSeconds })).ID),
    keepAlive: (lease) => call((etcd3) => renewOnce(etcd3, lease, options.callTimeoutMs)),
    campaign: (request) => call((etcd3) => campaign(etcd3, request)),
    revoke: (lease) =>
      call(async (etcd3) => {
        try {
          await etcd3.leaseClient.leaseRevoke({ ID: lease });
        } catch (error) {
          // Expired or revoked already: what revoking was for.
          if (!(castGrpcError(error as Error) instanceof EtcdLeaseInvalidError)) throw error;
        }
      }),
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

/** Runs a call on the current endpoint, then on each other in turn, until one answers. */
function createFailover(options: EtcdRemovalOptions) {
  const { etcd } = options;
  // Unary calls get `dial_timeout` as their deadline from createEtcdClient: here the call timeout.
  const clientConfig: EtcdConfig = { ...etcd, dialTimeoutMs: options.callTimeoutMs };
  let index = 0;
  let client: Etcd3 | undefined;
  const drop = () => {
    client?.close();
    client = undefined;
  };
  async function call<T>(operation: (etcd3: Etcd3) => Promise<T>): Promise<T> {
    let failure: DiscoveryError | undefined;
    for (let tried = 0; tried < etcd.endpoints.length; tried++) {
      const endpoint = etcd.endpoints[index]!;
      try {
        client ??= createEtcdClient(clientConfig, endpoint, readEtcdSecrets(etcd));
        return await operation(client);
      } catch (error) {
        const typed = toDiscoveryError(error);
        failure = new DiscoveryError(describeEtcdError(endpoint, typed), {
          cause: error,
          refused: !isRetryable(typed),
        });
        drop();
        index = (index + 1) % etcd.endpoints.length;
        if (!isRetryable(failure)) break;
      }
    }
    throw failure;
  }
  return Object.assign(call, { close: drop });
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

/**
 * One renewal on a keepalive stream of its own: resolves with the TTL etcd answers (0 when it no
 * longer holds the lease). Streams have no deadline, so this one gets a timer.
 */
async function renewOnce(etcd3: Etcd3, lease: string, timeoutMs: number): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DiscoveryError(`no keepalive answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  let stream: KeepAliveStream | undefined;
  let done = false;
  const close = (each: KeepAliveStream) => {
    // What the stream reports after its answer (its own end) is not this call's.
    each.on("error", () => undefined);
    each.cancel();
  };
  try {
    const opened = etcd3.leaseClient.leaseKeepAlive().then((opened) => {
      stream = opened as KeepAliveStream;
      // Opened after the timeout: nobody waits for it.
      if (done) close(stream);
      return opened;
    });
    const answer = opened.then(
      (opened) =>
        new Promise<number>((resolve, reject) => {
          opened.on("data", (response) => resolve(Number(response.TTL)));
          opened.on("error", reject);
          opened.on("end", () => reject(new DiscoveryError("keepalive stream closed by etcd")));
          opened.write({ ID: lease });
        }),
    );
    return await Promise.race([answer, timeout]);
  } finally {
    done = true;
    clearTimeout(timer);
    if (stream) close(stream);
  }
}

/** etcd3's keepalive stream; grpc-js's duplex stream has cancel(), etcd3's type leaves it out. */
type KeepAliveStream = Awaited<ReturnType<Etcd3["leaseClient"]["leaseKeepAlive"]>> & {
  cancel(): void;
};
