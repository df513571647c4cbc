// An in-memory etcd for unit tests of the watch loop: revisions, history, compaction, watch
// streams and per-endpoint faults, behind sluice's own connection types (connection.ts), with
// failures already translated as etcd-client.ts does. Answers asynchronously, as the network
// would.

import type {
  EtcdConnection,
  WatchListener,
  WatchMessage,
  WatchStream,
} from "../../../src/discovery/connection.ts";
import type { MirrorEvent } from "../../../src/discovery/mirror.ts";
import { DiscoveryError } from "../../../src/errors.ts";

type Change = {
  revision: number;
  type: "Put" | "Delete";
  key: string;
  value: string;
  /** The revision that created the key (as etcd keeps it); 0 for a delete. */
  createRevision: number;
};

const later = (fn: () => void) => setTimeout(fn, 1);

function toEvent(change: Change): MirrorEvent {
  return {
    type: change.type === "Delete" ? "delete" : "put",
    key: change.key,
    value: change.type === "Delete" ? "" : change.value,
    modRevision: change.revision,
    createRevision: change.createRevision,
  };
}

class FakeStream implements WatchStream {
  watching: { prefix: string; from: number } | undefined;
  closed = false;

  constructor(
    private readonly etcd: FakeEtcd,
    readonly endpoint: string,
    private readonly listener: WatchListener,
  ) {}

  emit(message: WatchMessage): void {
    later(() => {
      if (!this.closed) this.listener.message(message);
    });
  }

  fail(error: DiscoveryError): void {
    if (this.closed) return;
    this.closed = true;
    later(() => this.listener.failed(error));
  }

  requestProgress(): void {
    if (this.closed) return;
    if (!this.etcd.silent.has(this.endpoint)) this.emit({ kind: "progress" });
  }

  create({ prefix, startRevision }: { prefix: string; startRevision: number }): void {
    if (this.closed) return;
    const etcd = this.etcd;
    if (startRevision <= etcd.compacted) {
      this.emit({ kind: "compacted", compactRevision: etcd.compacted + 1 });
      return;
    }
    this.watching = { prefix, from: startRevision };
    this.emit({ kind: "created" });
    const past = etcd.history.filter(
      (c) => c.revision >= startRevision && c.key.startsWith(prefix),
    );
    if (past.length > 0) this.emit({ kind: "events", events: past.map(toEvent) });
  }

  notify(change: Change): void {
    if (this.closed || !this.watching || !change.key.startsWith(this.watching.prefix)) return;
    if (this.etcd.dropEvents) return;
    this.emit({ kind: "events", events: [toEvent(change)] });
  }

  cancel(): void {
    this.closed = true;
  }
}

export class FakeEtcd {
  revision = 1;
  compacted = 0;
  readonly history: Change[] = [];
  private readonly store = new Map<string, { value: string; createRevision: number }>();
  /** Endpoints that refuse connections. */
  readonly down = new Set<string>();
  /** Endpoints that refuse sluice's password. */
  readonly refuse = new Set<string>();
  /** Endpoints whose watch ignores progress requests. */
  readonly silent = new Set<string>();
  /** Live events are not delivered (a watch that lost them). */
  dropEvents = false;
  /** Runs after each listing, before the caller sees it. */
  afterList: (() => void) | undefined;
  readonly streams: FakeStream[] = [];
  readonly connects: string[] = [];

  private change(type: "Put" | "Delete", key: string, value: string): number {
    this.revision++;
    // As etcd does: a put to an existing key keeps its creation revision.
    const createRevision =
      type === "Put" ? (this.store.get(key)?.createRevision ?? this.revision) : 0;
    if (type === "Put") this.store.set(key, { value, createRevision });
    else this.store.delete(key);
    const change = { revision: this.revision, type, key, value, createRevision };
    this.history.push(change);
    for (const stream of this.streams) stream.notify(change);
    return this.revision;
  }

  put(key: string, value: string): number {
    return this.change("Put", key, value);
  }

  delete(key: string): number {
    if (!this.store.has(key)) return this.revision;
    return this.change("Delete", key, "");
  }

  compact(revision = this.revision): void {
    this.compacted = revision;
  }

  keys(prefix = "/"): Record<string, string> {
    return Object.fromEntries(this.entries(prefix).map(({ key, value }) => [key, value]));
  }

  /** The keys under `prefix`, sorted, as a listing gives them. */
  entries(prefix = "/"): { key: string; value: string; createRevision: number }[] {
    return [...this.store]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, entry]) => ({ key, ...entry }));
  }

  /** Breaks every open watch stream on `endpoint`, as a lost connection would. */
  disconnect(endpoint: string, message = "14 UNAVAILABLE: Connection dropped"): void {
    for (const stream of this.streams) {
      if (stream.endpoint === endpoint) stream.fail(new DiscoveryError(message));
    }
  }

  /** Cancels every watch on `endpoint` with `reason`, as etcd does when a member loses its leader. */
  cancelWatches(endpoint: string, reason: string): void {
    for (const stream of this.streams) {
      if (stream.endpoint === endpoint) stream.emit({ kind: "canceled", reason, refused: false });
    }
  }

  connect = (endpoint: string): EtcdConnection => {
    this.connects.push(endpoint);
    const refused = () => new DiscoveryError("14 UNAVAILABLE: connect ECONNREFUSED");
    return {
      list: (prefix) =>
        new Promise((resolve, reject) => {
          later(() => {
            if (this.down.has(endpoint)) return reject(refused());
            if (this.refuse.has(endpoint)) {
              return reject(
                new DiscoveryError(
                  "3 INVALID_ARGUMENT: etcdserver: authentication failed, invalid user ID or password",
                  { refused: true },
                ),
              );
            }
            const kvs = this.entries(prefix);
            const revision = this.revision;
            this.afterList?.();
            resolve({ kvs, revision });
          });
        }),
      watch: async (listener) => {
        if (this.down.has(endpoint)) throw refused();
        const stream = new FakeStream(this, endpoint, listener);
        this.streams.push(stream);
        return stream;
      },
      close: () => undefined,
    };
  };
}
