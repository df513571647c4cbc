// What `lbctl register` and `lbctl deregister` are asked to do: their arguments checked field by
// field, the key and the JSON value a registration writes, and the daemon's own verdict on them
// (buildModel, the decoder sluice serves with). Pure.

import { type ParsedArgs, UsageError } from "../cli/args.ts";
import { parseDuration } from "../duration.ts";
import { buildModel } from "../model/build.ts";
import { deriveName, NAME, parseAddress } from "../model/decode.ts";

const NAME_RULE = "1-64 of [A-Za-z0-9._-], not starting with - or .";
const ENDPOINT = /^https?:\/\/[^\s/]+$/;
const MAX_TTL_MS = 24 * 3_600_000;
const MAX_DRAIN_MS = 3_600_000;

/** A registration to keep alive. */
export type RegisterRequest = {
  service: string;
  /** `host:port`, `[v6]:port` for IPv6. */
  address: string;
  /** Server name and the key's last segment. Default: the address, see `defaultName`. */
  name: string;
  /** Lease TTL, whole seconds. Default 10. */
  ttlSeconds: number;
  /** 0-256. Default 1. */
  weight: number;
  meta: Record<string, string>;
  /** Time between putting `drain: true` and deleting the key on stop, ms. Default 0: none. */
  drainOnStopMs: number;
  /** `--etcd`; undefined: the config's `[etcd] endpoints`. */
  endpoints: string[] | undefined;
  /** `--config`; undefined: the default path, or the defaults when that file does not exist. */
  configFile: string | undefined;
};

/** A registration to delete. */
export type DeregisterRequest = Pick<RegisterRequest, "service" | "endpoints" | "configFile"> & {
  /** The key's last segment. */
  name: string;
};

function flag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === "string" ? value : undefined;
}

function checkService(service: string): string {
  if (!NAME.test(service)) {
    throw new UsageError(`SVC ${JSON.stringify(service)}: a service name is ${NAME_RULE}`);
  }
  return service;
}

/** `--etcd URL[,URL...]` as a list; every entry a URL such as `http://127.0.0.1:2379`. */
export function parseEndpoints(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const endpoints = text.split(",").map((endpoint) => endpoint.trim());
  for (const endpoint of endpoints) {
    if (!ENDPOINT.test(endpoint)) {
      throw new UsageError(
        `--etcd: ${JSON.stringify(endpoint)} is not a URL such as "http://127.0.0.1:2379"`,
      );
    }
  }
  return endpoints;
}

/** The server name used without `--name`: the address with every character outside the name
 * charset as `-` (`10.0.0.5:9000` → `10.0.0.5-9000`, `[fd00::5]:80` → `fd00--5-80`). Stable for
 * an address, so a restarted registrar writes the same key. */
export function defaultName(address: string): string {
  return deriveName(address.replace(/[[\]]/g, ""));
}

function parseTtl(text: string | undefined): number {
  if (text === undefined) return 10;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 1000 || ms > MAX_TTL_MS || ms % 1000 !== 0) {
    throw new UsageError(
      `--ttl ${JSON.stringify(text)}: etcd leases count whole seconds: use 1s to 24h, such as "10s"`,
    );
  }
  return ms / 1000;
}

function parseDrain(text: string | undefined): number {
  if (text === undefined) return 0;
  const ms = parseDuration(text);
  if (ms === undefined || ms > MAX_DRAIN_MS) {
    throw new UsageError(
      `--drain-on-stop ${JSON.stringify(text)}: must be a duration from 0s to 1h, such as "5s"`,
    );
  }
  return ms;
}

function parseWeight(text: string | undefined): number {
  if (text === undefined) return 1;
  if (!/^\d{1,3}$/.test(text) || Number(text) > 256) {
    throw new UsageError(`--weight ${JSON.stringify(text)}: must be an integer from 0 to 256`);
  }
  return Number(text);
}

function parseMeta(entries: string[]): Record<string, string> {
  const meta: Record<string, string> = {};
  for (const entry of entries) {
    const equals = entry.indexOf("=");
    if (equals < 1) {
      throw new UsageError(`--meta ${JSON.stringify(entry)}: must be key=value`);
    }
    const key = entry.slice(0, equals);
    if (Object.hasOwn(meta, key)) {
      throw new UsageError(`--meta: key ${JSON.stringify(key)} is given twice`);
    }
    meta[key] = entry.slice(equals + 1);
  }
  return meta;
}

/** `register SVC ADDR [options]`; throws a UsageError naming the argument that is wrong. */
export function parseRegisterArgs(args: ParsedArgs): RegisterRequest {
  if (args.positionals.length !== 2) {
    throw new UsageError(`needs SVC and ADDR, got ${args.positionals.length} arguments`);
  }
  const [service, address] = args.positionals as [string, string];
  checkService(service);
  const parsed = parseAddress(address);
  if (typeof parsed === "string") throw new UsageError(`ADDR: ${parsed}`);
  const name = flag(args, "name") ?? defaultName(parsed.address);
  if (!NAME.test(name)) {
    throw new UsageError(`--name ${JSON.stringify(name)}: a server name is ${NAME_RULE}`);
  }
  return {
    service,
    address: parsed.address,
    name,
    ttlSeconds: parseTtl(flag(args, "ttl")),
    weight: parseWeight(flag(args, "weight")),
    meta: parseMeta(args.lists.get("meta") ?? []),
    drainOnStopMs: parseDrain(flag(args, "drain-on-stop")),
    endpoints: parseEndpoints(flag(args, "etcd")),
    configFile: flag(args, "config"),
  };
}

/** `deregister SVC NAME [options]`; NAME is any key segment, so seed-style keys
 * (`stupid-server@1.service`) and keys the daemon rejects can be deleted too. */
export function parseDeregisterArgs(args: ParsedArgs): DeregisterRequest {
  if (args.positionals.length !== 2) {
    throw new UsageError(`needs SVC and NAME, got ${args.positionals.length} arguments`);
  }
  const [service, name] = args.positionals as [string, string];
  checkService(service);
  if (name === "" || name.includes("/")) {
    throw new UsageError(`NAME ${JSON.stringify(name)}: must be one key segment, without "/"`);
  }
  return {
    service,
    name,
    endpoints: parseEndpoints(flag(args, "etcd")),
    configFile: flag(args, "config"),
  };
}

/** `<prefix><service>/<name>`; `prefix` ends with `/`. */
export function registrationKey(prefix: string, service: string, name: string): string {
  return `${prefix}${service}/${name}`;
}

/** The JSON registration `{"addr","name","weight"[,"drain"],"meta"}`. */
export function registrationValue(request: RegisterRequest, drain = false): string {
  const { address: addr, name, weight, meta } = request;
  return JSON.stringify(drain ? { addr, name, weight, drain, meta } : { addr, name, weight, meta });
}

/** Why the daemon would reject `value` at `key`, or undefined when it would serve it. */
export function daemonVerdict(prefix: string, key: string, value: string): string | undefined {
  const model = buildModel([{ key, value }], { prefix, revision: 0 });
  return model.rejected[0]?.reason;
}
