// `lbctl register` and `lbctl deregister`, wired: `[etcd]` from the config file (or its defaults),
// the registration checked the way the daemon checks it, then the registrar on a real etcd until
// SIGTERM or SIGINT.

import { existsSync } from "node:fs";
import { UsageError } from "../cli/args.ts";
import type { Io } from "../cli/commands.ts";
import { DEFAULT_CONFIG_PATH, loadConfig, parseConfigText } from "../config/load.ts";
import type { EtcdConfig } from "../config/schema.ts";
import { systemClock } from "../haproxy/clock.ts";
import { createLogger } from "../log.ts";
import { REGISTER } from "../tunables.ts";
import { createEtcdStore } from "./etcd-store.ts";
import { LeaseRegistrar } from "./registrar.ts";
import {
  type DeregisterRequest,
  daemonVerdict,
  type RegisterRequest,
  registrationKey,
  registrationValue,
} from "./request.ts";

/** `[etcd]` of `--config` (else the default file, else the defaults), endpoints from `--etcd`. */
function etcdTarget(request: Pick<RegisterRequest, "configFile" | "endpoints">): EtcdConfig {
  const file = request.configFile ?? DEFAULT_CONFIG_PATH;
  const useDefaults = request.configFile === undefined && !existsSync(file);
  const etcd = (useDefaults ? parseConfigText("", file) : loadConfig(file)).etcd;
  if (request.endpoints === undefined) return etcd;
  const tls = etcd.caFile !== undefined || etcd.certFile !== undefined;
  for (const endpoint of request.endpoints) {
    if (tls && !endpoint.startsWith("https://")) {
      throw new UsageError(
        `--etcd: ${JSON.stringify(endpoint)} must be https:// as ${file} sets [etcd] ca_file or cert_file`,
      );
    }
  }
  return { ...etcd, endpoints: request.endpoints };
}

/** One call's timeout: a share of the TTL, so a frozen endpoint cannot outlast the lease. */
function callTimeoutMs(etcd: EtcdConfig, ttlSeconds: number): number {
  const share = ttlSeconds * 1000 * REGISTER.callTimeoutTtlShare;
  return Math.min(etcd.dialTimeoutMs, Math.max(REGISTER.minCallTimeoutMs, share));
}

/** `register SVC ADDR ...`: keeps the registration until a signal; resolves with the exit code. */
export async function runRegister(request: RegisterRequest, io: Io): Promise<number> {
  const etcd = etcdTarget(request);
  const key = registrationKey(etcd.prefix, request.service, request.name);
  const value = registrationValue(request);
  const drainValue = registrationValue(request, true);
  for (const checked of [value, drainValue]) {
    const verdict = daemonVerdict(etcd.prefix, key, checked);
    if (verdict) throw new UsageError(`sluice would reject this registration: ${verdict}`);
  }
  // A foreground command beside the application: readable logfmt lines on stderr.
  const log = createLogger(io.err, { format: "logfmt" });
  const registrar = new LeaseRegistrar({
    store: createEtcdStore({ etcd, callTimeoutMs: callTimeoutMs(etcd, request.ttlSeconds) }),
    key,
    value,
    drainValue,
    ttlSeconds: request.ttlSeconds,
    drainOnStopMs: request.drainOnStopMs,
    log,
    clock: systemClock,
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    log.info(signals === 1 ? "stopping" : "stopping now, without waiting for the drain", {
      signal,
    });
    registrar.stop();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    return (await registrar.run()).code;
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}

/** `deregister SVC NAME`: 0 when the key was deleted, 1 when there was none. */
export async function runDeregister(
  request: DeregisterRequest,
  io: Io,
  json: boolean,
): Promise<number> {
  const etcd = etcdTarget(request);
  const key = registrationKey(etcd.prefix, request.service, request.name);
  const store = createEtcdStore({ etcd, callTimeoutMs: etcd.dialTimeoutMs });
  try {
    const deleted = await store.delete(key);
    if (json) io.out(`${JSON.stringify({ key, deleted })}\n`);
    else if (deleted) io.out(`deregistered ${key}\n`);
    else io.err(`no registration at ${key}\n`);
    return deleted ? 0 : 1;
  } finally {
    store.close();
  }
}
