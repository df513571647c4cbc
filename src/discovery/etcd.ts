// etcd discovery: list the prefix at a revision, then watch from revision + 1 and keep a mirror of
// the full key set. The only module that imports etcd3.

import { Etcd3, type IKeyValue, type Watcher } from "etcd3";
import type { EtcdConfig } from "../config/schema.ts";
import { DiscoveryError, describeError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { KeyValue } from "../model/types.ts";
import type { Discovery, DiscoveryListener, DiscoveryState } from "./types.ts";

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new DiscoveryError(`${what}: no answer within ${ms}ms`)),
      ms,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

export function createEtcdDiscovery(config: EtcdConfig, log: Logger): Discovery {
  const client = new Etcd3({
    hosts: config.endpoints,
    dialTimeout: config.dialTimeoutMs,
    // Without keepalive a frozen etcd (SIGSTOP, a dead link) is never noticed.
    grpcOptions: {
      "grpc.keepalive_time_ms": config.keepaliveMs,
      "grpc.keepalive_timeout_ms": config.keepaliveTimeoutMs,
      "grpc.keepalive_permit_without_calls": 1,
    },
  });
  const mirror = new Map<string, string>();
  const endpoints = config.endpoints.join(",");
  const state: DiscoveryState = {
    connected: false,
    revision: 0,
    endpoint: config.endpoints.length === 1 ? config.endpoints[0] : undefined,
    relists: 0,
    reconnects: 0,
    synced: false,
    lastError: undefined,
  };
  let listener: DiscoveryListener | undefined;
  let watcher: Watcher | undefined;
  let stopped = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const setConnected = (connected: boolean, error?: string) => {
    if (error !== undefined) state.lastError = error;
    if (state.connected === connected) return;
    state.connected = connected;
    listener?.onState?.({ ...state });
  };

  async function snapshot() {
    try {
      const response = await withTimeout(
        client.getAll().prefix(config.prefix).exec(),
        config.dialTimeoutMs,
        `etcd ${endpoints}`,
      );
      const kvs = response.kvs.map((kv: IKeyValue) => ({
        key: kv.key.toString(),
        value: kv.value.toString(),
      }));
      return { kvs, revision: Number(response.header.revision) };
    } catch (error) {
      throw new DiscoveryError(
        `etcd ${endpoints}: cannot read ${config.prefix}: ${describeError(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  function publish() {
    const kvs: KeyValue[] = [...mirror].map(([key, value]) => ({ key, value }));
    listener?.onChange(kvs, state.revision);
  }

  /** Replaces the mirror with a fresh listing. */
  async function relist(): Promise<void> {
    const { kvs, revision } = await snapshot();
    mirror.clear();
    for (const { key, value } of kvs) mirror.set(key, value);
    state.revision = revision;
    state.synced = true;
    setConnected(true);
    publish();
  }

  async function connect(attempt: number): Promise<void> {
    if (stopped) return;
    try {
      await relist();
      await startWatch();
      log.info("etcd synced", { revision: state.revision, keys: mirror.size });
    } catch (error) {
      setConnected(false, describeError(error));
      const delay = Math.min(5000, 200 * 2 ** attempt);
      log.warn("etcd unavailable, retrying", { error: describeError(error), retry_ms: delay });
      retryTimer = setTimeout(() => void connect(attempt + 1), delay);
    }
  }

  async function startWatch(): Promise<void> {
    if (watcher) await watcher.cancel().catch(() => undefined);
    let disconnected = false;
    const next = await client
      .watch()
      .prefix(config.prefix)
      .startRevision(String(state.revision + 1))
      .create();
    watcher = next;
    next.on("data", (response) => {
      let changed = false;
      for (const event of response.events) {
        const kv = event.kv;
        const modRevision = Number(kv.mod_revision);
        // After a re-list the mirror may already include this event.
        if (modRevision <= state.revision) continue;
        const key = kv.key.toString();
        if (event.type === "Delete") changed = mirror.delete(key) || changed;
        else {
          mirror.set(key, kv.value.toString());
          changed = true;
        }
      }
      state.revision = Math.max(state.revision, Number(response.header.revision));
      if (changed) publish();
    });
    next.on("disconnected", (error) => {
      disconnected = true;
      setConnected(false, describeError(error));
      log.warn("etcd watch disconnected", { error: describeError(error) });
    });
    next.on("connected", () => {
      if (!disconnected) return;
      disconnected = false;
      state.reconnects++;
      // The client's own resume is not trusted: list again and diff through the model.
      state.relists++;
      relist().catch((error) => setConnected(false, describeError(error)));
    });
    next.on("error", (error) => {
      setConnected(false, describeError(error));
      log.warn("etcd watch error", { error: describeError(error) });
    });
  }

  return {
    start(l) {
      listener = l;
      void connect(0);
    },
    async stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      await watcher?.cancel().catch(() => undefined);
      client.close();
    },
    state: () => ({ ...state }),
    snapshot,
  };
}
