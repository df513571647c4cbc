// Builds an etcd3 client for one endpoint, the way sluice needs it: no retries or circuit breakers
// of the client's own (the watch loop owns timing and failover), gRPC keepalive, the `hasleader`
// requirement on every call, and TLS and auth material read from files at each connect.

import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import tls from "node:tls";
import {
  type CallOptionsFactory,
  Etcd3,
  type IOptions,
  type IWatchRequest,
  type IWatchResponse,
} from "etcd3";
import type { EtcdConfig } from "../config/schema.ts";
import { DiscoveryError } from "../errors.ts";
import type { KeyValue } from "../model/types.ts";

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
    throw new DiscoveryError(`etcd.${field}: cannot read ${path}: ${code}`, { cause: error });
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
      throw new DiscoveryError(`etcd.password_file: ${config.passwordFile} is empty`);
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

let servernamePatched = false;

/**
 * Bun's tls.connect refuses an IP address as `servername` (Node.js only warns), and grpc-js
 * always passes the endpoint's host there, so `https://127.0.0.1:2379` could not connect. SNI
 * never carries an IP (RFC 6066, section 3), so it is dropped; the certificate is still verified
 * against the host.
 */
function allowIpEndpoints(): void {
  if (servernamePatched) return;
  servernamePatched = true;
  const connect = tls.connect;
  const patched = (...args: unknown[]) => {
    const options = args[0];
    if (options && typeof options === "object" && "servername" in options) {
      const { servername, ...rest } = options as { servername?: unknown };
      if (typeof servername === "string" && isIP(servername)) args[0] = rest;
    }
    return (connect as (...a: unknown[]) => tls.TLSSocket)(...args);
  };
  (tls as { connect: unknown }).connect = patched;
}

/** A raw etcd watch stream (one gRPC Watch call). */
export type EtcdWatchStream = {
  on(event: "data", listener: (response: IWatchResponse) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  write(request: IWatchRequest): void;
  cancel(): void;
};

/** What discovery needs from a connection to one endpoint. */
export type EtcdConnection = {
  /** A linearizable read of every key under `prefix`, and the revision it was read at. */
  list(prefix: string): Promise<{ kvs: KeyValue[]; revision: number }>;
  watch(): Promise<EtcdWatchStream>;
  close(): void;
};

/** Connects to `endpoint` alone, reading the credential files now. */
export function connectEtcd(config: EtcdConfig, endpoint: string): EtcdConnection {
  const client = createEtcdClient(config, endpoint, readEtcdSecrets(config));
  return {
    async list(prefix) {
      const response = await client.getAll().prefix(prefix).exec();
      return {
        kvs: response.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value.toString() })),
        revision: Number(response.header.revision),
      };
    },
    watch: () => client.watchClient.watch(),
    close: () => client.close(),
  };
}

/** A client bound to `endpoint` alone. */
function createEtcdClient(config: EtcdConfig, endpoint: string, secrets: EtcdSecrets): Etcd3 {
  if (endpoint.startsWith("https://")) allowIpEndpoints();
  return new Etcd3({
    hosts: endpoint,
    ...secrets,
    grpcOptions: {
      // Without keepalive a frozen etcd (SIGSTOP, a dead link) is never noticed.
      "grpc.keepalive_time_ms": config.keepaliveMs,
      "grpc.keepalive_timeout_ms": config.keepaliveTimeoutMs,
      "grpc.keepalive_permit_without_calls": 1,
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
