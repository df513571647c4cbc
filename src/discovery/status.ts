// The discovery state that status shows: counters, whether the watch is live, the latest error
// of every endpoint, and the warnings logged when etcd is lost (the same one only every 30 s).

import type { EtcdConfig } from "../config/schema.ts";
import type { LogFields, Logger } from "../log.ts";
import { createLogThrottle } from "../log-throttle.ts";
import type { StateMachine } from "../state.ts";
import { DISCOVERY } from "../tunables.ts";
import { describeEtcdError } from "./etcd-client.ts";
import type { KeyMirror } from "./mirror.ts";
import type { SessionEnd } from "./session.ts";
import type { DiscoveryState, DiscoveryStateName } from "./types.ts";

export type DiscoveryStatusOptions = {
  config: EtcdConfig;
  log: Logger;
  lifecycle: StateMachine<DiscoveryStateName>;
  mirror: KeyMirror;
  /** Called with the whole state when the connection state changed. */
  onConnectedChange(state: DiscoveryState): void;
};

/** What status records itself; the state name and the revision are read when asked. */
type Recorded = Omit<DiscoveryState, "state" | "revision">;

export type DiscoveryStatus = {
  /** The record sessions update (counters, `synced`, `endpoint`). */
  readonly current: Recorded;
  /** A copy, with the state name and the revision as they are now. */
  snapshot(): DiscoveryState;
  /** Records whether the watch is live, and the error that ended it. */
  setConnected(connected: boolean, error?: string): void;
  /** Records why the session on `endpoint` ended, in status and in the log. */
  reportEnd(endpoint: string, end: SessionEnd): void;
};

/** Creates the status of one discovery loop, disconnected and not synced. */
export function createDiscoveryStatus(options: DiscoveryStatusOptions): DiscoveryStatus {
  const { config, log, lifecycle, mirror } = options;
  const current: Recorded = {
    connected: false,
    endpoint: undefined,
    relists: 0,
    reconnects: 0,
    synced: false,
    lastError: undefined,
  };
  // A bad password must not flood the log.
  const warnings = createLogThrottle({ windowMs: DISCOVERY.repeatWarningMs, perWindow: 1 });
  /** The latest error of each endpoint since the last sync: status shows them all. */
  const endpointErrors = new Map<string, string>();

  const snapshot = (): DiscoveryState => ({
    ...current,
    state: lifecycle.current(),
    revision: mirror.revision,
  });

  function setConnected(connected: boolean, error?: string) {
    if (error !== undefined) current.lastError = error;
    if (current.connected === connected) return;
    current.connected = connected;
    options.onConnectedChange(snapshot());
  }

  function warn(text: string, fields: LogFields) {
    const admission = warnings.admit(text);
    if (!admission.admitted) return;
    const { suppressed } = admission;
    log.warn(text, suppressed > 0 ? { ...fields, repeated: suppressed } : fields);
  }

  return {
    current,
    snapshot,
    setConnected,
    reportEnd(endpoint, end) {
      const text = describeEtcdError(endpoint, end.error);
      if (end.synced) endpointErrors.clear();
      endpointErrors.set(endpoint, text);
      const wasConnected = current.connected;
      current.endpoint = endpoint;
      const all = config.endpoints.flatMap((each) => endpointErrors.get(each) ?? []);
      setConnected(false, all.join("; "));
      if (wasConnected) log.warn("etcd connection lost", { error: text });
      else warn("etcd unavailable, retrying", { error: text });
    },
  };
}
