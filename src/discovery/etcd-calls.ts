// What the etcd edges that write (the registrar, the removal leader) share: calls that fail over
// across the endpoints of `[etcd]`, each failure on a fresh connection so that gRPC's reconnect
// backoff never holds back a recovered etcd, and one-shot lease renewal and revocation. Clients
// come from etcd-client.ts.

import { castGrpcError, type Etcd3, EtcdLeaseInvalidError } from "etcd3";
import type { EtcdConfig } from "../config/schema.ts";
import { DiscoveryError, isRetryable } from "../errors.ts";
import {
  createEtcdClient,
  describeEtcdError,
  readEtcdSecrets,
  toDiscoveryError,
} from "./etcd-client.ts";

export type EtcdCallOptions = {
  /** `[etcd]` (for lbctl, its endpoints already replaced by `--etcd` when given). */
  etcd: EtcdConfig;
  /** Longest one call may wait for one endpoint, ms. */
  callTimeoutMs: number;
};

/** A runner of etcd calls, with the endpoint it would use now and a way to drop its client. */
export type EtcdCalls = {
  <T>(operation: (etcd3: Etcd3) => Promise<T>): Promise<T>;
  endpoint(): string;
  close(): void;
};

/**
 * Runs a call on the endpoint that answered last, then on each other in turn, until one answers;
 * a failed call closes its client. A refusal (credentials, TLS) stops at once.
 */
export function createEtcdCalls(options: EtcdCallOptions): EtcdCalls {
  const { etcd } = options;
  // Unary calls get `dial_timeout` as their deadline from createEtcdClient: here the call timeout.
  const clientConfig: EtcdConfig = { ...etcd, dialTimeoutMs: options.callTimeoutMs };
  let index = 0;
  let client: Etcd3 | undefined;
  const drop = () => {
    client?.close();
    client = undefined;
  };
  async function call<T>(operation: (etcd3: Etcd3) => Promise<T>): Promise<T> {
    let failure: DiscoveryError | undefined;
    for (let tried = 0; tried < etcd.endpoints.length; tried++) {
      const endpoint = etcd.endpoints[index]!;
      try {
        client ??= createEtcdClient(clientConfig, endpoint, readEtcdSecrets(etcd));
        return await operation(client);
      } catch (error) {
        const typed = toDiscoveryError(error);
        failure = new DiscoveryError(describeEtcdError(endpoint, typed), {
          cause: error,
          refused: !isRetryable(typed),
        });
        drop();
        index = (index + 1) % etcd.endpoints.length;
        if (!isRetryable(failure)) break;
      }
    }
    throw failure;
  }
  return Object.assign(call, { endpoint: () => etcd.endpoints[index]!, close: drop });
}

/** Revokes `lease`; one that expired or was revoked already is what revoking was for. */
export async function revokeLease(etcd3: Etcd3, lease: string): Promise<void> {
  try {
    await etcd3.leaseClient.leaseRevoke({ ID: lease });
  } catch (error) {
    if (!(castGrpcError(error as Error) instanceof EtcdLeaseInvalidError)) throw error;
  }
}

/**
 * One renewal on a keepalive stream of its own: resolves with the TTL etcd answers (0 when it no
 * longer holds the lease). Streams have no deadline, so this one gets a timer.
 */
export async function renewLeaseOnce(
  etcd3: Etcd3,
  lease: string,
  timeoutMs: number,
): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DiscoveryError(`no keepalive answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  let stream: KeepAliveStream | undefined;
  let done = false;
  const close = (each: KeepAliveStream) => {
    // What the stream reports after its answer (its own end) is not this call's.
    each.on("error", () => undefined);
    each.cancel();
  };
  try {
    const opened = etcd3.leaseClient.leaseKeepAlive().then((opened) => {
      stream = opened as KeepAliveStream;
      // Opened after the timeout: nobody waits for it.
      if (done) close(stream);
      return opened;
    });
    const answer = opened.then(
      (opened) =>
        new Promise<number>((resolve, reject) => {
          opened.on("data", (response) => resolve(Number(response.TTL)));
          opened.on("error", reject);
          opened.on("end", () => reject(new DiscoveryError("keepalive stream closed by etcd")));
          opened.write({ ID: lease });
        }),
    );
    return await Promise.race([answer, timeout]);
  } finally {
    done = true;
    clearTimeout(timer);
    if (stream) close(stream);
  }
}

/** etcd3's keepalive stream; grpc-js's duplex stream has cancel(), etcd3's type leaves it out. */
type KeepAliveStream = Awaited<ReturnType<Etcd3["leaseClient"]["leaseKeepAlive"]>> & {
  cancel(): void;
};
