// The edge to etcd for `lbctl register` and `deregister`: leases, puts and deletes, with the TLS
// and auth of `[etcd]`, through the failing-over calls of discovery/etcd-calls.ts.

import {
  createEtcdCalls,
  type EtcdCallOptions,
  renewLeaseOnce,
  revokeLease,
} from "../discovery/etcd-calls.ts";
import type { RegistrationStore } from "./store.ts";

export type EtcdStoreOptions = EtcdCallOptions;

/** A RegistrationStore over the endpoints of `options.etcd`, tried in order. */
export function createEtcdStore(options: EtcdStoreOptions): RegistrationStore {
  const call = createEtcdCalls(options);
  return {
    grant: (ttlSeconds) =>
      call(async (etcd3) => (await etcd3.leaseClient.leaseGrant({ TTL: ttlSeconds })).ID),
    keepAlive: (lease) => call((etcd3) => renewLeaseOnce(etcd3, lease, options.callTimeoutMs)),
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
    revoke: (lease) => call((etcd3) => revokeLease(etcd3, lease)),
    endpoint: call.endpoint,
    close: call.close,
  };
}
