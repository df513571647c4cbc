// etcd discovery with the revision owned by sluice. A session lists the prefix at a revision and
// watches from revision + 1 on a raw watch stream; a compacted history lists again on the same
// connection; anything else that ends or stalls the stream ends the session, and the next one
// (on the next endpoint, after a short backoff) lists again. Listings are diffed through the
// mirror, so a put or delete made while sluice was away is never missed.

import type { IEvent, IWatchResponse } from "etcd3";
import type { EtcdConfig } from "../config/schema.ts";
import { DiscoveryError } from "../errors.ts";
import type { LogFields, Logger } from "../log.ts";
import {
  connectEtcd,
  describeEtcdError,
  type EtcdConnection,
  type EtcdWatchStream,
} from "./etcd-client.ts";
import { isEmptyDiff, KeyMirror, type MirrorEvent } from "./mirror.ts";
import type { Discovery, DiscoveryListener, DiscoveryState } from "./types.ts";

/** Retries after failed sessions back off to this (±20 %), so a recovered etcd is used within
 * about a second. */
const MAX_BACKOFF_MS = 800;
/** Retries after etcd refused sluice's credentials: they need an operator, and every attempt
 * costs etcd a password hash. */
const REFUSED_BACKOFF_MS = 5000;
/** Errors that retrying soon will not fix. */
const REFUSED =
  /authentication failed|invalid user|permission denied|certificate|SSL|etcd\.[a-z_]+_file/i;
/** A session shorter than this counts as a failure for the backoff, even if it synced. */
const HEALTHY_SESSION_MS = 1000;
/** The same warning is logged again after this long, not at every retry. */
const REPEAT_WARNING_MS = 30_000;

/** Why a watch ended without an error: etcd compacted past the revision it asked for. */
const COMPACTED = Symbol("compacted");

function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let index = end.length - 1; index >= 0; index--) {
    if (end[index]! < 0xff) {
      end[index]!++;
      return end.subarray(0, index + 1);
    }
  }
  return Buffer.from([0]);
}

function toMirrorEvent(event: IEvent): MirrorEvent {
  return {
    type: event.type === "Delete" ? "delete" : "put",
    key: event.kv.key.toString(),
    value: event.type === "Delete" ? "" : event.kv.value.toString(),
    modRevision: Number(event.kv.mod_revision),
  };
}

function sleep(ms: number, wake: (cancel: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * `connect` opens a connection to one endpoint; tests pass a fake etcd. A connection that
 * cannot be made throws or fails its first call.
 */
export function createEtcdDiscovery(
  config: EtcdConfig,
  log: Logger,
  connect: (endpoint: string) => EtcdConnection = (endpoint) => connectEtcd(config, endpoint),
): Discovery {
  const mirror = new KeyMirror();
  const state: DiscoveryState = {
    connected: false,
    revision: 0,
    endpoint: undefined,
    relists: 0,
    reconnects: 0,
    synced: false,
    lastError: undefined,
  };
  let listener: DiscoveryListener | undefined;
  let stopped = false;
  let cancelSleep: (() => void) | undefined;
  /** Ends the running session at once (stop). */
  let abortSession: (() => void) | undefined;
  let loopDone: Promise<void> = Promise.resolve();
  /** Whether any session has synced: later syncs are reconnects. */
  let everSynced = false;
  let lastWarning = { text: "", at: 0, repeats: 0 };

  const snapshotState = (): DiscoveryState => ({ ...state, revision: mirror.revision });

  function setConnected(connected: boolean, error?: string) {
    if (error !== undefined) state.lastError = error;
    if (state.connected === connected) return;
    state.connected = connected;
    listener?.onState?.(snapshotState());
  }

  /** Logs a retry warning, but the same text only every 30 s: a bad password must not flood. */
  function warn(text: string, fields: LogFields) {
    const now = Date.now();
    if (text === lastWarning.text && now - lastWarning.at < REPEAT_WARNING_MS) {
      lastWarning.repeats++;
      return;
    }
    const repeats = text === lastWarning.text ? lastWarning.repeats : 0;
    lastWarning = { text, at: now, repeats: 0 };
    log.warn(text, repeats > 0 ? { ...fields, repeated: repeats } : fields);
  }

  function publish() {
    state.revision = mirror.revision;
    listener?.onChange(mirror.kvs(), mirror.revision);
  }

  /** Lists the prefix and folds it into the mirror; publishes when anything changed. */
  async function relist(client: EtcdConnection, why: string): Promise<void> {
    const first = !state.synced;
    const { kvs, revision } = await client.list(config.prefix);
    if (!first) state.relists++;
    const diff = mirror.replace(kvs, revision);
    if (diff === undefined) return;
    if (!first && !isEmptyDiff(diff)) {
      log.info("etcd listing changed the key set", { why, revision, ...diff });
    }
    if (first || !isEmptyDiff(diff)) {
      state.synced = true;
      publish();
    } else state.revision = mirror.revision;
  }

  /**
   * Watches from the mirror's revision + 1 until the stream fails (rejects) or etcd compacted
   * that history (resolves COMPACTED).
   */
  async function watch(client: EtcdConnection, endpoint: string): Promise<typeof COMPACTED> {
    const stream: EtcdWatchStream = await client.watch();
    return new Promise((resolve, reject) => {
      let settled = false;
      let created = false;
      /** When an unanswered progress request was sent; any message from etcd answers it. */
      let askedAt: number | undefined;
      let resyncing = false;
      const timers: ReturnType<typeof setTimeout>[] = [];
      const finish = (outcome: typeof COMPACTED | Error) => {
        if (settled) return;
        settled = true;
        for (const timer of timers) clearTimeout(timer);
        abortSession = undefined;
        stream.cancel();
        if (outcome === COMPACTED) resolve(outcome);
        else reject(outcome);
      };
      abortSession = () => finish(new DiscoveryError("stopped"));

      timers.push(
        setTimeout(() => {
          if (!created)
            finish(new DiscoveryError(`watch not created within ${config.dialTimeoutMs}ms`));
        }, config.dialTimeoutMs),
        setInterval(() => {
          if (!created) return;
          if (askedAt === undefined) {
            askedAt = Date.now();
            stream.write({ progress_request: {} });
          } else if (
            Date.now() - askedAt >=
            config.progressIntervalMs + config.keepaliveTimeoutMs
          ) {
            finish(new DiscoveryError("watch stopped answering progress requests"));
          }
        }, config.progressIntervalMs),
      );
      if (config.resyncIntervalMs > 0) {
        timers.push(
          setInterval(() => {
            if (!created || resyncing) return;
            resyncing = true;
            relist(client, "periodic resync")
              .catch((error) => finish(error as Error))
              .finally(() => {
                resyncing = false;
              });
          }, config.resyncIntervalMs),
        );
      }

      stream.on("data", (response: IWatchResponse) => {
        if (settled) return;
        askedAt = undefined;
        if (Number(response.compact_revision) > 0) {
          log.info("etcd history compacted past sluice's revision; listing again", {
            endpoint,
            revision: mirror.revision,
            compact_revision: Number(response.compact_revision),
          });
          finish(COMPACTED);
          return;
        }
        if (response.canceled) {
          const reason = response.cancel_reason || "no reason given";
          finish(new DiscoveryError(`watch canceled by etcd: ${reason}`));
          return;
        }
        if (response.created) {
          created = true;
          state.endpoint = endpoint;
          setConnected(true);
          return;
        }
        // An empty response is a progress notification. Its revision is not trusted: etcd 3.4
        // can send it ahead of events it has not delivered yet.
        if (response.events.length > 0 && mirror.apply(response.events.map(toMirrorEvent))) {
          publish();
        } else state.revision = mirror.revision;
      });
      stream.on("error", (error: Error) => finish(error));
      stream.on("end", () => finish(new DiscoveryError("watch stream closed by etcd")));
      stream.write({
        create_request: {
          key: Buffer.from(config.prefix),
          range_end: prefixEnd(config.prefix),
          start_revision: mirror.revision + 1,
          progress_notify: true,
        },
      });
    });
  }

  /**
   * One connection to `endpoint`: list, watch, and list again after compaction. Runs until the
   * connection fails, and always ends by throwing; `progress.synced` tells whether it got that far.
   */
  async function session(endpoint: string, progress: { synced: boolean }): Promise<never> {
    const client = connect(endpoint);
    try {
      let why = state.synced ? "reconnected" : "first sync";
      for (;;) {
        await relist(client, why);
        if (!progress.synced) {
          progress.synced = true;
          if (everSynced) state.reconnects++;
          everSynced = true;
          log.info("etcd synced", {
            endpoint,
            revision: mirror.revision,
            keys: mirror.size,
            relists: state.relists,
          });
        }
        await watch(client, endpoint);
        why = "compacted";
      }
    } finally {
      client.close();
    }
  }

  /** Sessions one after another, rotating through the endpoints, until stopped. */
  async function run(): Promise<void> {
    /** The latest error of each endpoint since the last sync: status shows them all. */
    const endpointErrors = new Map<string, string>();
    let failures = 0;
    let index = 0;
    while (!stopped) {
      const endpoint = config.endpoints[index % config.endpoints.length]!;
      const startedAt = Date.now();
      const progress = { synced: false };
      let refused = false;
      try {
        await session(endpoint, progress);
      } catch (error) {
        if (stopped) break;
        const text = describeEtcdError(endpoint, error);
        refused = REFUSED.test(text);
        if (progress.synced) endpointErrors.clear();
        endpointErrors.set(endpoint, text);
        const wasConnected = state.connected;
        state.endpoint = endpoint;
        const all = config.endpoints.flatMap((e) => endpointErrors.get(e) ?? []);
        setConnected(false, all.join("; "));
        if (wasConnected) log.warn("etcd connection lost", { error: text });
        else warn("etcd unavailable, retrying", { error: text });
      }
      // A session that served a while resets the backoff: the next endpoint is tried at once.
      const healthy = progress.synced && Date.now() - startedAt >= HEALTHY_SESSION_MS;
      failures = healthy ? 0 : failures + 1;
      index++;
      if (failures > 0) {
        const base = refused ? REFUSED_BACKOFF_MS : Math.min(MAX_BACKOFF_MS, 50 * 2 ** failures);
        const delay = base * (0.8 + Math.random() * 0.4);
        await sleep(delay, (cancel) => {
          cancelSleep = cancel;
        });
      }
    }
  }

  return {
    start(l) {
      listener = l;
      loopDone = run();
    },
    async stop() {
      stopped = true;
      cancelSleep?.();
      abortSession?.();
      // A listing in flight ends at its deadline; do not hold up shutdown for it.
      await Promise.race([loopDone, new Promise((resolve) => setTimeout(resolve, 1000))]);
    },
    state: snapshotState,
    /** One listing, from the first endpoint that answers. */
    async snapshot() {
      const errors: string[] = [];
      for (const endpoint of config.endpoints) {
        const client = connect(endpoint);
        try {
          return await client.list(config.prefix);
        } catch (error) {
          errors.push(describeEtcdError(endpoint, error));
        } finally {
          client.close();
        }
      }
      throw new DiscoveryError(`cannot read ${config.prefix}: ${errors.join("; ")}`);
    },
  };
}
