// The edge to etcd for `lbctl register` and `deregister`: leases, puts and deletes through etcd3,
// with the TLS and auth of `[etcd]` (clients come from discovery/etcd-client.ts, which builds them
// for the daemon too). With that module, the only one that imports etcd3. Calls go to the
// endpoint that answered last; a failed call closes its client and goes on to the next endpoint
// in order, each time on a fresh connection, so gRPC's reconnect backoff (which grows past 2 s
// within a few failures) never holds back a recovered etcd.

import { castGrpcError, type Etcd3, EtcdLeaseInvalidError } from "etcd3";
import type { EtcdConfig } from "../config/schema.ts";
import {
  createEtcdClient,
  describeEtcdError,
  readEtcdSecrets,
  toDiscoveryError,
} from "../discovery/etcd-client.ts";
import { DiscoveryError, isRetryable } from "../errors.ts";
import type { LeaseId, RegistrationStore } from "./store.ts";

export type EtcdStoreOptions = {
  /** `[etcd]`, its endpoints already replaced by `--etcd` when given. */
  etcd: EtcdConfig;
  /** Longest one call may wait for one endpoint, ms. */
  callTimeoutMs: number;
};

/** A RegistrationStore over the endpoints of `options.etcd`, tried in order. */
export function createEtcdStore(options: EtcdStoreOptions): RegistrationStore {
  const { etcd, callTimeoutMs } = options;
  // Unary calls get `dial_timeout` as their deadline from createEtcdClient; here the call timeout.
  const clientConfig: EtcdConfig = { ...etcd, dialTimeoutMs: callTimeoutMs };
  let index = 0;
  let client: Etcd3 | undefined;

  const current = () => etcd.endpoints[index]!;

  /** Runs `operation` on the current endpoint, then on each other in turn, until one answers. */
  async function call<T>(operation: (client: Etcd3) => Promise<T>): Promise<T> {
    let lastError: DiscoveryError | undefined;
    for (let tried = 0; tried < etcd.endpoints.length; tried++) {
      const endpoint = current();
      try {
        client ??= createEtcdClient(clientConfig, endpoint, readEtcdSecrets(etcd));
        return await operation(client);
      } catch (error) {
        const typed = toDiscoveryError(error);
        lastError = new DiscoveryError(describeEtcdError(endpoint, typed), {
          cause: error,
          refused: !isRetryable(typed),
        });
        client?.close();
        client = undefined;
        index = (index + 1) % etcd.endpoints.length;
        if (!isRetryable(lastError)) break;
      }
    }
    throw lastError;
  }

  return {
    grant: (ttlSeconds) =>
      call(async (etcd3) => (await etcd3.leaseClient.leaseGrant({ TTL: ttlSeconds })).ID),
    keepAlive: (lease) => call((etcd3) => keepAliveOnce(etcd3, lease, callTimeoutMs)),
    put: (key, value, lease) =>
      call(async (etcd3) => {
        const response = await etcd3.kv.put({
          key: Buffer.from(key),
          value: Buffer.from(value),
          lease,
          prev_kv: true,
        });
        return { replaced: Boolean(response.prev_kv) };
      }),
    putIfOwned: (key, value, lease) =>
      call(async (etcd3) => {
        const put = etcd3.put(key).value(value).lease(lease);
        return (await etcd3.if(key, "Lease", "==", lease).then(put).commit()).succeeded;
      }),
    leaseOf: (key) =>
      call(async (etcd3) => {
        const response = await etcd3.kv.range({ key: Buffer.from(key) });
        return response.kvs[0]?.lease;
      }),
    deleteIfOwned: (key, lease) =>
      call(async (etcd3) => {
        const remove = etcd3.delete().key(key);
        return (await etcd3.if(key, "Lease", "==", lease).then(remove).commit()).succeeded;
      }),
    delete: (key) =>
      call(async (etcd3) => Number((await etcd3.delete().key(key).exec()).deleted) > 0),
    revoke: (lease) =>
      call(async (etcd3) => {
        try {
          await etcd3.leaseClient.leaseRevoke({ ID: lease });
        } catch (error) {
          // Already expired or revoked: what revoking was for.
          if (!(castGrpcError(error as Error) instanceof EtcdLeaseInvalidError)) throw error;
        }
      }),
    endpoint: current,
    close() {
      client?.close();
      client = undefined;
    },
  };
}

/**
 * One renewal on a keepalive stream of its own: resolves with the TTL etcd answers (0 when it no
 * longer has the lease). Streams have no deadline, so this one gets a timer.
 */
async function keepAliveOnce(etcd3: Etcd3, lease: LeaseId, timeoutMs: number): Promise<number> {
  const stream = await etcd3.leaseClient.leaseKeepAlive();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await new Promise<number>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new DiscoveryError(`lease keepalive unanswered after ${timeoutMs} ms`)),
        timeoutMs,
      );
      stream.on("data", (response) => resolve(Number(response.TTL)));
      stream.on("error", reject);
      stream.on("end", () => reject(new DiscoveryError("lease keepalive stream closed by etcd")));
      stream.write({ ID: lease });
    });
  } finally {
    clearTimeout(timer);
    // Errors that come after the answer (the stream's own end) are not this call's.
    stream.on("error", () => undefined);
    stream.cancel();
  }
}
