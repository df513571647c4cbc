// What the rest of sluice knows about discovery: each change to the key set (the keys it touched,
// and the full set on demand) at a revision, and connection state.

import type { KeyDelta, KeyValue } from "../model/types.ts";

/** Where discovery is: before start; opening a connection to an endpoint; listing the prefix
 * (first sync, reconnect, compaction); watching it; waiting before the next endpoint; stopped. */
export type DiscoveryStateName =
  | "idle"
  | "connecting"
  | "listing"
  | "watching"
  | "backing-off"
  | "stopped";

export type DiscoveryState = {
  /** The discovery loop's state; status shows it as `etcd.state`. */
  state: DiscoveryStateName;
  connected: boolean;
  /** Revision the current key set reflects; 0 before the first snapshot. */
  revision: number;
  /** The endpoint in use, or last tried while disconnected. */
  endpoint: string | undefined;
  /** Listings of the prefix after the first: reconnects, compactions, periodic resyncs. */
  relists: number;
  /** Times a watch was established again after the previous one was lost. */
  reconnects: number;
  synced: boolean;
  lastError: string | undefined;
};

/** A change to the key set, as a listener hears it. */
export type KeySetUpdate = {
  /** The revision the key set now reflects. */
  revision: number;
  /** Each key that differs from the previous update (the first update: every key), in order. */
  changes: readonly KeyDelta[];
  /** Whether it came from a listing of etcd (first sync, reconnect, compaction, periodic resync)
   * rather than a watch event: it may hold changes no event told, so what is built from the key
   * set is built again whole. */
  relisted: boolean;
  /** The whole prefix at `revision`, listed when asked (once per change, shared: never changed
   * by the caller). Valid until the next update. */
  kvs(): KeyValue[];
};

export type DiscoveryListener = {
  /** The key set changed. */
  onChange(update: KeySetUpdate): void;
  /** Connection state changed. */
  onState?(state: DiscoveryState): void;
};

export interface Discovery {
  start(listener: DiscoveryListener): void;
  stop(): Promise<void>;
  state(): DiscoveryState;
  /** One read of the whole prefix. */
  snapshot(): Promise<{ kvs: KeyValue[]; revision: number }>;
}
