// An in-memory etcd for unit tests of the watch loop: revisions, history, compaction, watch
// streams and per-endpoint faults. Answers asynchronously, as the network would.

import type { IEvent, IWatchRequest, IWatchResponse } from "etcd3";
import type { EtcdConnection, EtcdWatchStream } from "../../../src/discovery/etcd-client.ts";

type Change = { revision: number; type: "Put" | "Delete"; key: string; value: string };

const later = (fn: () => void) => setTimeout(fn, 1);

function response(revision: number, fields: Partial<IWatchResponse>): IWatchResponse {
  return {
    header: { cluster_id: "1", member_id: "1", revision: String(revision), raft_term: "1" },
    watch_id: "0",
    created: false,
    canceled: false,
    compact_revision: "0",
    cancel_reason: "",
    fragment: false,
    events: [],
    ...fields,
  };
}

function toEvent(change: Change): IEvent {
  const kv = {
    key: Buffer.from(change.key),
    value: Buffer.from(change.value),
    create_revision: String(change.revision),
    mod_revision: String(change.revision),
    version: "1",
    lease: "0",
  };
  return { type: change.type, kv, prev_kv: kv } as unknown as IEvent;
}

class FakeStream implements EtcdWatchStream {
  private readonly listeners = {
    data: [] as ((r: IWatchResponse) => void)[],
    error: [] as ((e: Error) => void)[],
    end: [] as (() => void)[],
  };
  watching: { prefix: string; from: number } | undefined;
  closed = false;

  constructor(
    private readonly etcd: FakeEtcd,
    private readonly endpoint: string,
  ) {}

  on(event: "data" | "error" | "end", listener: (arg: never) => void): this {
    (this.listeners[event] as ((arg: never) => void)[]).push(listener);
    return this;
  }

  emit(response: IWatchResponse): void {
    later(() => {
      if (!this.closed) for (const listener of this.listeners.data) listener(response);
    });
  }

  fail(error: Error): void {
    if (this.closed) return;
    this.closed = true;
    later(() => {
      for (const listener of this.listeners.error) listener(error);
    });
  }

  write(request: IWatchRequest): void {
    if (this.closed) return;
    const etcd = this.etcd;
    if (request.progress_request) {
      if (!etcd.silent.has(this.endpoint)) this.emit(response(etcd.revision, { watch_id: "-1" }));
      return;
    }
    const create = request.create_request;
    if (!create) return;
    const prefix = create.key?.toString() ?? "";
    const from = Number(create.start_revision);
    if (from <= etcd.compacted) {
      this.emit(
        response(etcd.revision, {
          created: true,
          canceled: true,
          compact_revision: String(etcd.compacted + 1),
        }),
      );
      return;
    }
    this.watching = { prefix, from };
    this.emit(response(etcd.revision, { created: true }));
    const past = etcd.history.filter((c) => c.revision >= from && c.key.startsWith(prefix));
    if (past.length > 0) this.emit(response(etcd.revision, { events: past.map(toEvent) }));
  }

  notify(change: Change): void {
    if (this.closed || !this.watching || !change.key.startsWith(this.watching.prefix)) return;
    if (this.etcd.dropEvents) return;
    this.emit(response(change.revision, { events: [toEvent(change)] }));
  }

  cancel(): void {
    this.closed = true;
  }
}

export class FakeEtcd {
  revision = 1;
  compacted = 0;
  readonly history: Change[] = [];
  private readonly store = new Map<string, string>();
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
    if (type === "Put") this.store.set(key, value);
    else this.store.delete(key);
    const change = { revision: this.revision, type, key, value };
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
    return Object.fromEntries([...this.store].filter(([key]) => key.startsWith(prefix)).sort());
  }

  /** Breaks every open watch stream on `endpoint`, as a lost connection would. */
  disconnect(endpoint: string, message = "14 UNAVAILABLE: Connection dropped"): void {
    for (const stream of this.streams) {
      if ((stream as unknown as { endpoint: string }).endpoint === endpoint) {
        stream.fail(new Error(message));
      }
    }
  }

  /** Cancels every watch on `endpoint` with `reason`, as etcd does when a member loses its leader. */
  cancelWatches(endpoint: string, reason: string): void {
    for (const stream of this.streams) {
      if ((stream as unknown as { endpoint: string }).endpoint === endpoint) {
        stream.emit(response(this.revision, { canceled: true, cancel_reason: reason }));
      }
    }
  }

  connect = (endpoint: string): EtcdConnection => {
    this.connects.push(endpoint);
    const refused = () => new Error("14 UNAVAILABLE: connect ECONNREFUSED");
    return {
      list: (prefix) =>
        new Promise((resolve, reject) => {
          later(() => {
            if (this.down.has(endpoint)) return reject(refused());
            if (this.refuse.has(endpoint)) {
              return reject(
                new Error(
                  "3 INVALID_ARGUMENT: etcdserver: authentication failed, invalid user ID or password",
                ),
              );
            }
            const kvs = Object.entries(this.keys(prefix)).map(([key, value]) => ({ key, value }));
            const revision = this.revision;
            this.afterList?.();
            resolve({ kvs, revision });
          });
        }),
      watch: async () => {
        if (this.down.has(endpoint)) throw refused();
        const stream = new FakeStream(this, endpoint);
        this.streams.push(stream);
        return stream;
      },
      close: () => undefined,
    };
  };
}
