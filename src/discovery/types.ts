// What the rest of sluice knows about discovery: full state at a revision, and connection state.

import type { KeyValue } from "../model/types.ts";

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

export type DiscoveryListener = {
  /** The full key set changed; `kvs` is the whole prefix at `revision`. */
  onChange(kvs: KeyValue[], revision: number): void;
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
