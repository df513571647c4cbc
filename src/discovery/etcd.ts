// etcd discovery with the revision owned by sluice: the loop across endpoints and the wiring of
// its parts. A session (session.ts) lists and watches one endpoint until it fails; the loop then
// records the error, waits as the retry policy says, and starts a session on the next endpoint.
// Listings are diffed through the mirror, so a put or delete made while sluice was away is never
// missed. States: see `DiscoveryStateName`.

import type { EtcdConfig } from "../config/schema.ts";
import { DiscoveryError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { KeyValue } from "../model/types.ts";
import { DISCOVERY } from "../tunables.ts";
import type { ConnectEtcd } from "./connection.ts";
import { connectEtcd, describeEtcdError } from "./etcd-client.ts";
import { KeyMirror } from "./mirror.ts";
import { countFailures, retryDelay } from "./retry-policy.ts";
import { runSession, type SessionContext } from "./session.ts";
import { createDiscoveryStates } from "./states.ts";
import { createDiscoveryStatus } from "./status.ts";
import type { Discovery, DiscoveryListener } from "./types.ts";

/** Waits `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * Discovery of the keys under `config.prefix`, failing over across `config.endpoints`.
 * `connect` opens a connection to one endpoint; tests pass a fake etcd.
 */
export function createEtcdDiscovery(
  config: EtcdConfig,
  log: Logger,
  connect: ConnectEtcd = (endpoint) => connectEtcd(config, endpoint),
): Discovery {
  const mirror = new KeyMirror();
  const lifecycle = createDiscoveryStates();
  let listener: DiscoveryListener | undefined;
  const status = createDiscoveryStatus({
    config,
    log,
    lifecycle,
    mirror,
    onConnectedChange: (state) => listener?.onState?.(state),
  });
  const stopping = new AbortController();
  let loopDone: Promise<void> = Promise.resolve();
  const context: SessionContext = {
    config,
    log,
    mirror,
    status: status.current,
    lifecycle,
    signal: stopping.signal,
    publish(relisted) {
      const changes = mirror.takeChanges();
      listener?.onChange({ revision: mirror.revision, changes, relisted, kvs: () => mirror.kvs() });
    },
    setConnected: status.setConnected,
  };

  /** Sessions one after another, rotating through the endpoints, until stopped. */
  async function run(): Promise<void> {
    let failures = 0;
    for (let index = 0; !stopping.signal.aborted; index++) {
      const endpoint = config.endpoints[index % config.endpoints.length]!;
      lifecycle.moveTo("connecting");
      const startedAt = Date.now();
      const end = await runSession(context, endpoint, connect);
      if (stopping.signal.aborted) break;
      status.reportEnd(endpoint, end);
      failures = countFailures(failures, {
        synced: end.synced,
        durationMs: Date.now() - startedAt,
      });
      const delay = retryDelay(failures, end.error, Math.random);
      if (delay > 0) {
        lifecycle.moveTo("backing-off");
        await sleep(delay, stopping.signal);
      }
    }
  }

  return {
    start(newListener) {
      listener = newListener;
      loopDone = run();
    },
    async stop() {
      if (!lifecycle.is("stopped")) lifecycle.moveTo("stopped");
      stopping.abort(new DiscoveryError("stopped"));
      // A listing in flight ends at its deadline; do not hold up shutdown for it.
      const deadline = new AbortController();
      await Promise.race([loopDone, sleep(DISCOVERY.stopWaitMs, deadline.signal)]);
      deadline.abort();
    },
    state: status.snapshot,
    snapshot: () => listOnce(config, connect),
  };
}

/** One listing of the prefix, from the first endpoint that answers. */
async function listOnce(
  config: EtcdConfig,
  connect: ConnectEtcd,
): Promise<{ kvs: KeyValue[]; revision: number }> {
  const errors: string[] = [];
  for (const endpoint of config.endpoints) {
    const connection = connect(endpoint);
    try {
      return await connection.list(config.prefix);
    } catch (error) {
      errors.push(describeEtcdError(endpoint, error));
    } finally {
      connection.close();
    }
  }
  throw new DiscoveryError(`cannot read ${config.prefix}: ${errors.join("; ")}`);
}
