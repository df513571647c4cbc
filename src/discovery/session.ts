// One session on one endpoint: list the prefix into the mirror, watch from the next revision,
// list again when etcd compacted that history, and list periodically to repair what a watch may
// have lost. Moves the discovery loop through connecting → listing → watching (→ listing …).

import type { EtcdConfig } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { StateMachine } from "../state.ts";
import type { ConnectEtcd, EtcdConnection } from "./connection.ts";
import { isEmptyDiff, type KeyMirror } from "./mirror.ts";
import type { DiscoveryState, DiscoveryStateName } from "./types.ts";
import { type WatchCompacted, watchPrefix } from "./watch-stream.ts";

/** The part of the discovery state a session keeps up to date. */
export type SessionStatus = Pick<DiscoveryState, "synced" | "relists" | "reconnects" | "endpoint">;

/** What a session works on; the discovery loop owns all of it. */
export type SessionContext = {
  config: EtcdConfig;
  log: Logger;
  mirror: KeyMirror;
  status: SessionStatus;
  lifecycle: StateMachine<DiscoveryStateName>;
  /** Aborted on stop: the session ends at once. */
  signal: AbortSignal;
  /** Hands what changed in the mirror to the listener; `relisted` after a listing. */
  publish(relisted: boolean): void;
  /** The watch is live (true), with the endpoint in `status.endpoint`. */
  setConnected(connected: true): void;
};

/** How a session ended: always with an error, and maybe after it synced. */
export type SessionEnd = { synced: boolean; error: unknown };

/**
 * Runs one session on `endpoint`, from the "connecting" state, until the connection fails or the
 * loop stops; resolves with the error that ended it.
 */
export async function runSession(
  context: SessionContext,
  endpoint: string,
  connect: ConnectEtcd,
): Promise<SessionEnd> {
  const { log, mirror, status } = context;
  let synced = false;
  let connection: EtcdConnection | undefined;
  try {
    connection = connect(endpoint);
    const reconnect = status.synced;
    let why = reconnect ? "reconnected" : "first sync";
    for (;;) {
      context.lifecycle.moveTo("listing");
      await relist(context, connection, why);
      if (!synced) {
        synced = true;
        if (reconnect) status.reconnects++;
        log.info("etcd synced", {
          endpoint,
          revision: mirror.revision,
          keys: mirror.size,
          relists: status.relists,
        });
      }
      const { compactRevision } = await watchWithResync(context, endpoint, connection);
      log.info("etcd history compacted past sluice's revision; listing again", {
        endpoint,
        revision: mirror.revision,
        compact_revision: compactRevision,
      });
      why = "compacted";
    }
  } catch (error) {
    return { synced, error };
  } finally {
    connection?.close();
  }
}

/** Lists the prefix and folds it into the mirror; publishes when anything changed. */
async function relist(
  context: SessionContext,
  connection: EtcdConnection,
  why: string,
): Promise<void> {
  const { mirror, status } = context;
  const first = !status.synced;
  const { kvs, revision } = await connection.list(context.config.prefix);
  context.signal.throwIfAborted();
  if (!first) status.relists++;
  const diff = mirror.replace(kvs, revision);
  if (diff === undefined) return;
  const changed = !isEmptyDiff(diff);
  if (!first && changed) {
    context.log.info("etcd listing changed the key set", { why, revision, ...diff });
  }
  if (first || changed) {
    status.synced = true;
    context.publish(true);
  }
}

/**
 * Watches from the mirror's revision + 1, listing every `resync_interval` meanwhile; a listing
 * that fails ends the watch with its error.
 */
async function watchWithResync(
  context: SessionContext,
  endpoint: string,
  connection: EtcdConnection,
): Promise<WatchCompacted> {
  const { config, lifecycle, mirror } = context;
  const resyncFailed = new AbortController();
  // One resync at a time: a slow etcd must not pile up listings.
  let resync: Promise<void> | undefined;
  const timer =
    config.resyncIntervalMs > 0
      ? setInterval(() => {
          if (!lifecycle.is("watching") || resync !== undefined) return;
          resync = relist(context, connection, "periodic resync")
            .catch((error: unknown) => resyncFailed.abort(error))
            .finally(() => {
              resync = undefined;
            });
        }, config.resyncIntervalMs)
      : undefined;
  try {
    return await watchPrefix(connection, {
      prefix: config.prefix,
      startRevision: mirror.revision + 1,
      createTimeoutMs: config.dialTimeoutMs,
      progressIntervalMs: config.progressIntervalMs,
      progressGraceMs: config.keepaliveTimeoutMs,
      signal: AbortSignal.any([context.signal, resyncFailed.signal]),
      onCreated() {
        lifecycle.moveTo("watching");
        context.status.endpoint = endpoint;
        context.setConnected(true);
      },
      onEvents(events) {
        for (const event of events) {
          context.log.debug("etcd event", {
            type: event.type,
            key: event.key,
            revision: event.modRevision,
            value_bytes: event.value.length,
          });
        }
        if (mirror.apply(events)) context.publish(false);
      },
    });
  } finally {
    clearInterval(timer);
  }
}
