// What the registrar needs from etcd, as an interface: leases, and puts and deletes that check
// which lease holds the key. etcd-store.ts implements it over etcd3; tests use a fake.

/** An etcd lease ID, as etcd3 gives it (a decimal string). */
export type LeaseId = string;

/** Every method rejects with a `DiscoveryError`: retryable, or `refused` (credentials, TLS). */
export interface RegistrationStore {
  /** Grants a lease that ends `ttlSeconds` after its last renewal. */
  grant(ttlSeconds: number): Promise<LeaseId>;
  /** Renews `lease` once; resolves with the seconds it has left, 0 when etcd no longer has it. */
  keepAlive(lease: LeaseId): Promise<number>;
  /** Puts `value` at `key` on `lease`; `replaced` when the key was there before. */
  put(key: string, value: string, lease: LeaseId): Promise<{ replaced: boolean }>;
  /** Puts `value` at `key` on `lease` only while the key is on `lease`; whether it was. */
  putIfOwned(key: string, value: string, lease: LeaseId): Promise<boolean>;
  /** The lease `key` is on (`"0"`: none); undefined when there is no such key. */
  leaseOf(key: string): Promise<LeaseId | undefined>;
  /** Deletes `key` only while it is on `lease`; whether it was. */
  deleteIfOwned(key: string, lease: LeaseId): Promise<boolean>;
  /** Deletes `key`; whether there was one. */
  delete(key: string): Promise<boolean>;
  /** Ends `lease` and the keys on it; a lease that etcd no longer has counts as ended. */
  revoke(lease: LeaseId): Promise<void>;
  /** The endpoint the next call goes to, for logs. */
  endpoint(): string;
  close(): void;
}
