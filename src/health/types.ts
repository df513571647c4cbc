// What the health monitor knows about each backend server, keyed by etcd key, and what the
// remover (which deletes keys that stay down) reports back for status and metrics.

/** HAProxy's view of a server: `up` (routed), `down` (failed `fall` checks), `maint` (taken out
 * by hand or by sluice), `unchecked` (checks off, or not seen in HAProxy yet). */
export type HealthState = "up" | "down" | "maint" | "unchecked";

export const HEALTH_STATES: readonly HealthState[] = ["up", "down", "maint", "unchecked"];

/** One backend server's health, by the etcd key that registered it. */
export type BackendHealth = {
  service: string;
  /** Server name in the model. */
  name: string;
  /** The etcd key of the registration. */
  key: string;
  /** `host:port` as served. */
  address: string;
  state: HealthState;
  /** When `state` began (ISO 8601). */
  since: string;
  /** While down: when it went down, ms since the epoch. */
  downSinceMs?: number;
  /** While down: the etcd revision sluice knew when it went down. A key whose mod revision is
   * newer was registered again after that, so it is not the registration that went down. */
  downSinceRevision?: number;
  /** HAProxy's check status and description of the last failed check (`"L4CON Connection
   * refused"`); kept while down, null while up and passing. */
  lastError: string | null;
};

/** A change of one server's state. `from` is null when the server is seen for the first time. */
export type HealthTransition = {
  service: string;
  name: string;
  key: string;
  address: string;
  from: HealthState | null;
  to: HealthState;
  /** ISO 8601. */
  at: string;
  lastError: string | null;
};

/** What the remover reports; the monitor's part of status takes it from here. */
export type HealthRemoverStatus = {
  /** Removals are frozen: too many checked servers are down at once. */
  panic: boolean;
  /** Who holds the removal leadership (`hostname:pid`), null when nobody is known to. */
  leader: string | null;
  /** Whether this instance is the leader. */
  isLeader: boolean;
  /** Keys removed from etcd by this instance since it started. */
  removals: number;
};

/** The status of an instance that runs no remover. */
export const NO_REMOVER: () => HealthRemoverStatus = () => ({
  panic: false,
  leader: null,
  isLeader: false,
  removals: 0,
});
