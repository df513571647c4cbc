// The edge to etcd3, the only module that creates its clients (etcd-calls.ts and
// health/etcd-removal.ts use them): builds a client for one endpoint the way sluice needs it (no
// retries or circuit breakers of its own, as the discovery loop owns timing and failover; gRPC
// keepalive; `hasleader` on every call; TLS and auth read from files at each connect), and
// translates its messages into sluice's watch messages and its errors into `DiscoveryError`s.

import { readFileSync } from "node:fs";
import {
  type CallOptionsFactory,
  castGrpcError,
  castGrpcErrorMessage,
  Etcd3,
  EtcdAuthenticationFailedError,
  EtcdPermissionDeniedError,
  type IEvent,
  type IKeyValue,
  type IOptions,
  type IWatchResponse,
} from "etcd3";
import type { EtcdConfig } from "../config/schema.ts";
import { DiscoveryError, describeError } from "../errors.ts";
import { bytesToText } from "../model/raw-text.ts";
import type { KeyValue } from "../model/types.ts";
import type { EtcdConnection, WatchMessage, WatchStream } from "./connection.ts";
import { prefixEnd } from "./key-range.ts";
import type { MirrorEvent } from "./mirror.ts";
import { allowIpEndpoints } from "./tls-ip-endpoints.ts";

type CallOptions = Exclude<CallOptionsFactory, (...args: never[]) => unknown>;
type Interceptor = NonNullable<CallOptions["interceptors"]>[number];
type Policy = NonNullable<NonNullable<IOptions["faultHandling"]>["global"]>;

/** What is read from the secret files; never logged, never kept beyond one client. */
export type EtcdSecrets = Pick<IOptions, "credentials" | "auth">;

function readSecretFile(field: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    // Retrying soon will not make the file readable: an operator has to act first.
    throw new DiscoveryError(`etcd.${field}: cannot read ${path}: ${code}`, {
      cause: error,
      refused: true,
    });
  }
}

/** Reads the TLS and password files named in `[etcd]`; throws naming the field and the file. */
export function readEtcdSecrets(config: EtcdConfig): EtcdSecrets {
  const secrets: EtcdSecrets = {};
  if (config.caFile !== undefined || config.certFile !== undefined) {
    const ca = config.caFile !== undefined ? readSecretFile("ca_file", config.caFile) : undefined;
    secrets.credentials = {
      // Without ca_file (undefined here) the system's roots verify the server.
      rootCertificate: ca as Buffer,
      certChain:
        config.certFile !== undefined ? readSecretFile("cert_file", config.certFile) : undefined,
      privateKey:
        config.keyFile !== undefined ? readSecretFile("key_file", config.keyFile) : undefined,
    };
  }
  if (config.username !== undefined && config.passwordFile !== undefined) {
    const password = readSecretFile("password_file", config.passwordFile)
      .toString("utf8")
      .replace(/\r?\n$/, "");
    if (password === "") {
      throw new DiscoveryError(`etcd.password_file: ${config.passwordFile} is empty`, {
        refused: true,
      });
    }
    secrets.auth = { username: config.username, password };
  }
  return secrets;
}

/**
 * Adds `hasleader: true` to a call's metadata: etcd then refuses calls on a member that has lost
 * its leader, and cancels watch streams when it loses one, instead of going silent.
 */
const requireLeader: Interceptor = (options, nextCall) => {
  const call = nextCall(options);
  const proxy = new Proxy(call, {
    get(target, property, receiver) {
      if (property === "start") {
        return (...args: Parameters<typeof target.start>) => {
          args[0].set("hasleader", "true");
          target.start(...args);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  // The proxy is the call itself, with start() wrapped.
  return proxy as unknown as ReturnType<Interceptor>;
};

/** Runs the call once: failures go back to the watch loop, which decides what to do. */
const once = { execute: async (fn: () => unknown) => fn() } as unknown as Policy;

/** Connects to `endpoint` alone, reading the credential files now. Every failure of the
 * connection, now or later, is a `DiscoveryError`. */
export function connectEtcd(config: EtcdConfig, endpoint: string): EtcdConnection {
  let client: Etcd3;
  try {
    client = createEtcdClient(config, endpoint, readEtcdSecrets(config));
  } catch (error) {
    throw toDiscoveryError(error);
  }
  return {
    async list(prefix) {
      try {
        const response = await client.getAll().prefix(prefix).exec();
        return {
          kvs: response.kvs.map(toKeyValue),
          revision: Number(response.header.revision),
        };
      } catch (error) {
        throw toDiscoveryError(error);
      }
    },
    async watch(listener) {
      const stream = await client.watchClient.watch().catch((error: unknown) => {
        throw toDiscoveryError(error);
      });
      stream.on("data", (response) => listener.message(toWatchMessage(response)));
      stream.on("error", (error) => listener.failed(toDiscoveryError(error)));
      stream.on("end", () => listener.failed(new DiscoveryError("watch stream closed by etcd")));
      // grpc-js's duplex stream has cancel(); etcd3's type of it leaves it out.
      return rawWatchStream(stream as typeof stream & { cancel(): void });
    },
    close: () => client.close(),
  };
}

/** The requests sluice sends on a raw gRPC watch stream. */
function rawWatchStream(stream: { write(request: object): void; cancel(): void }): WatchStream {
  return {
    create({ prefix, startRevision }) {
      stream.write({
        create_request: {
          key: Buffer.from(prefix),
          range_end: prefixEnd(prefix),
          start_revision: startRevision,
          progress_notify: true,
        },
      });
    },
    requestProgress: () => stream.write({ progress_request: {} }),
    cancel: () => stream.cancel(),
  };
}

/** One etcd watch response in sluice's terms. */
export function toWatchMessage(response: IWatchResponse): WatchMessage {
  const compactRevision = Number(response.compact_revision);
  if (compactRevision > 0) return { kind: "compacted", compactRevision };
  if (response.canceled) {
    const reason = response.cancel_reason || "no reason given";
    return { kind: "canceled", reason, refused: isRefusal(castGrpcErrorMessage(reason)) };
  }
  if (response.created) return { kind: "created" };
  if (response.events.length > 0) return { kind: "events", events: response.events.map(toEvent) };
  return { kind: "progress" };
}

/**
 * One listed key in sluice's terms. Key and value are bytes: `toString()` would turn every
 * invalid UTF-8 sequence into U+FFFD and make distinct keys one; bytesToText keeps them apart.
 */
export function toKeyValue(kv: IKeyValue): KeyValue {
  return {
    key: bytesToText(kv.key),
    value: bytesToText(kv.value),
    createRevision: Number(kv.create_revision),
  };
}

function toEvent(event: IEvent): MirrorEvent {
  const deleted = event.type === "Delete";
  return {
    type: deleted ? "delete" : "put",
    key: bytesToText(event.kv.key),
    value: deleted ? "" : bytesToText(event.kv.value),
    modRevision: Number(event.kv.mod_revision),
    createRevision: deleted ? 0 : Number(event.kv.create_revision),
  };
}

/**
 * Any failure of etcd3, gRPC or the credential files as a `DiscoveryError` with the original
 * message, `refused` when etcd refused sluice's credentials or certificate.
 */
export function toDiscoveryError(error: unknown): DiscoveryError {
  if (error instanceof DiscoveryError) return error;
  const typed = error instanceof Error ? castGrpcError(error) : error;
  return new DiscoveryError(describeError(error), { cause: error, refused: isRefusal(typed) });
}

/** Whether retrying soon will not help: etcd refused sluice's credentials or certificate. */
function isRefusal(error: unknown): boolean {
  if (error instanceof EtcdAuthenticationFailedError) return true;
  if (error instanceof EtcdPermissionDeniedError) return true;
  // grpc-js reports a failed TLS handshake as an unavailable connection: only its text tells.
  return /certificate|SSL/i.test(describeError(error));
}

/** A client bound to `endpoint` alone (register/etcd-store.ts, health/etcd-removal.ts too). */
export function createEtcdClient(config: EtcdConfig, endpoint: string, secrets: EtcdSecrets) {
  if (endpoint.startsWith("https://")) allowIpEndpoints();
  return new Etcd3({
    hosts: endpoint,
    ...secrets,
    grpcOptions: {
      // Without keepalive a frozen etcd (SIGSTOP, a dead link) is never noticed.
      "grpc.keepalive_time_ms": config.keepaliveMs,
      "grpc.keepalive_timeout_ms": config.keepaliveTimeoutMs,
      "grpc.keepalive_permit_without_calls": 1,
      // A listing holds the whole prefix: with gRPC's default 4 MB limit, a few large junk
      // values under it would make every listing fail, and sluice never sync again.
      "grpc.max_receive_message_length": -1,
    },
    defaultCallOptions: (context) => ({
      interceptors: [requireLeader],
      ...(context.isStream ? {} : { deadline: Date.now() + config.dialTimeoutMs }),
    }),
    faultHandling: { global: once, host: () => once },
  });
}

/** Errors shown to operators name the endpoint; TLS failures say where to look. */
export function describeEtcdError(endpoint: string, error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  message = message
    .replace(/\s*Resolution note:\s*$/, "")
    // grpc-js stamps the time into its messages; without it, repeats can be recognized.
    .replace(/\s*\(\d{4}-\d\d-\d\dT[\d:.]+Z\)/g, "")
    .replace(/\s+/g, " ")
    .trim();
  if (/certificate|SSL|TLS|handshake/i.test(message)) {
    message += " (check etcd.ca_file, cert_file and key_file)";
  } else if (/RESOURCE_EXHAUSTED: Bandwidth exhausted/.test(message)) {
    // HTTP/2 ENHANCE_YOUR_CALM: etcd's answer to keepalive pings it finds too frequent.
    message +=
      " (etcd may be refusing keepalive pings: etcd.keepalive must not be shorter than etcd's --grpc-keepalive-min-time, 5s by default)";
  }
  return `etcd ${endpoint}: ${message}`;
}
