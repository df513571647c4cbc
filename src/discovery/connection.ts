// What discovery needs from a connection to one etcd endpoint, in sluice's own terms: etcd-client.ts
// alone implements it with etcd3 (and the fake etcd of the unit tests does too).

import type { DiscoveryError } from "../errors.ts";
import type { KeyValue } from "../model/types.ts";
import type { MirrorEvent } from "./mirror.ts";

/** One message from etcd on a watch stream. */
export type WatchMessage =
  /** The watch asked for exists; events follow. */
  | { kind: "created" }
  /** Changes under the prefix, in revision order. */
  | { kind: "events"; events: MirrorEvent[] }
  /** A progress notification, the answer to a progress request. Its revision is not trusted:
   * etcd 3.4 can send it ahead of events it has not delivered yet. */
  | { kind: "progress" }
  /** etcd compacted the history the watch asked for; the prefix has to be listed again. */
  | { kind: "compacted"; compactRevision: number }
  /** etcd canceled the watch; `refused` when it refused sluice's credentials. */
  | { kind: "canceled"; reason: string; refused: boolean };

/** Where a watch stream reports. */
export type WatchListener = {
  message(message: WatchMessage): void;
  /** The stream failed or etcd closed it; nothing follows. */
  failed(error: DiscoveryError): void;
};

/** One raw watch stream (one gRPC Watch call) carrying one watch. */
export interface WatchStream {
  /** Asks for a watch of every key under `prefix`, from `startRevision` on. */
  create(request: { prefix: string; startRevision: number }): void;
  /** Asks etcd for a progress notification. */
  requestProgress(): void;
  /** Ends the stream; its listener hears nothing more. */
  cancel(): void;
}

/** A connection to one endpoint. Every failure is a `DiscoveryError`. */
export interface EtcdConnection {
  /** A linearizable read of every key under `prefix`, and the revision it was read at. */
  list(prefix: string): Promise<{ kvs: KeyValue[]; revision: number }>;
  /** Opens a watch stream that reports to `listener`. */
  watch(listener: WatchListener): Promise<WatchStream>;
  close(): void;
}

/** Opens a connection to `endpoint`. A connection that cannot be made throws or fails its first
 * call. */
export type ConnectEtcd = (endpoint: string) => EtcdConnection;
