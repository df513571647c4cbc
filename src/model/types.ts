// The model: what etcd says should be served, after validation.

/** One raw key/value pair from the etcd prefix. */
export type KeyValue = { key: string; value: string };

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
};
