// The model: what etcd says should be served, after validation.

/**
 * One raw key/value pair from the etcd prefix. Bytes that are not valid UTF-8 are kept (see
 * raw-text.ts), so distinct keys stay distinct.
 */
export type KeyValue = {
  key: string;
  value: string;
  /** The etcd revision that created the key (its `create_revision`); absent counts as 0 (a
   * snapshot saved before sluice kept it, or a key set written by hand). */
  createRevision?: number;
};

/** One key changed: put with `value` (and the revision that created it), or deleted (`value`
 * undefined). */
export type KeyDelta = {
  key: string;
  value: string | undefined;
  /** As KeyValue's; absent for a delete. */
  createRevision?: number;
};

/** A validated backend server. Every string here is safe to print into haproxy.cfg. */
export type Server = {
  /** The etcd key it came from. */
  key: string;
  /** Server name, unique in its service, charset `[A-Za-z0-9._-]`. */
  name: string;
  /** IPv4, IPv6 (without brackets) or DNS name. */
  host: string;
  port: number;
  /** `host:port`, IPv6 in brackets: ready for a `server` line. */
  address: string;
  /** 0–256; the HAProxy default is 1. */
  weight: number;
  /** Drained servers keep their sessions but get no new ones. */
  drain: boolean;
  /** Free-form metadata from a JSON registration; never rendered by the default template. */
  meta: Record<string, unknown>;
};

export type Service = {
  name: string;
  balance: string;
  hostnames: string[];
  servers: Server[];
};

/** A registration that failed validation, with why. */
export type Rejected = { key: string; value: string; reason: string };

export type Model = {
  /** etcd revision the snapshot was read at. */
  revision: number;
  services: Service[];
  rejected: Rejected[];
  /** Where unmatched Host headers go: `[haproxy] default_service`, else the service registered
   * first (see service-names.ts); "" without services. Absent in a model not built by buildModel:
   * the first service then. */
  defaultService?: string;
  /** Raw keys under `haproxy.trusted_prefixes`, sorted by key, for the template's lookups; absent
   * without trusted prefixes. Never validated, never turned into servers. */
  trusted?: KeyValue[];
};
