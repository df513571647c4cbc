// What the removal leader's election and the removals need from etcd, in sluice's own terms:
// etcd-removal.ts alone implements them with etcd3; the unit tests fake them.

/** One candidate's key in the election, as etcd holds it. */
export type Candidate = { key: string; identity: string; createRevision: number };

export type CampaignRequest = { prefix: string; key: string; identity: string; lease: string };

/** The candidate's own key's create revision, and the candidate that leads now. */
export type CampaignResult = { createRevision: number; leader: Candidate | undefined };

/** What the election needs from etcd. Calls throw on failure. */
export interface ElectionStore {
  /** Grants a lease of `ttlSeconds`; resolves with its id. */
  grant(ttlSeconds: number): Promise<string>;
  /** Renews `lease`; resolves with its new TTL, 0 when etcd no longer holds it. */
  keepAlive(lease: string): Promise<number>;
  /** Puts `key` (value `identity`, on `lease`) unless it exists, and reads who leads. */
  campaign(request: CampaignRequest): Promise<CampaignResult>;
  /** Revokes `lease`, deleting its key; a lease already gone is no error. */
  revoke(lease: string): Promise<void>;
  close(): void;
}

/** Proof of leadership a removal carries: etcd deletes only while this key has this revision. */
export type Fence = { key: string; createRevision: number };

/** What removals need from etcd. Calls throw on failure. */
export interface RemovalStore {
  /** The key's mod revision now (a linearizable read); undefined when it does not exist. */
  modRevision(key: string): Promise<number | undefined>;
  /**
   * Deletes `key` in one transaction if its mod revision is still `modRevision` and the fence's
   * key still has its create revision (this instance still leads): `"deleted"`, `"changed"`
   * (the key was written or deleted since), or `"not-leader"`.
   */
  deleteIfUnchanged(key: string, modRevision: number, fence: Fence): Promise<RemovalOutcome>;
}

export type RemovalOutcome = "deleted" | "changed" | "not-leader";
