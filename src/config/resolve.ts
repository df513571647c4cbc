// Turns a parsed sluice.toml into a SluiceConfig, section by section, with defaults.ts's defaults.

import { dirname, resolve } from "node:path";
import { ConfigError } from "../errors.ts";
import { runtimePaths } from "../haproxy/paths.ts";
import { electionOverlap } from "../health/election-key.ts";
import {
  ADMIN_FIELDS,
  APPLY_FIELDS,
  FIELDS,
  HAPROXY_FIELDS,
  SERVICE_FIELDS,
  TOP_FIELDS,
} from "./defaults.ts";
import { FieldReader, type Table } from "./field-reader.ts";
import {
  hasValidPort,
  isLoopbackHost,
  looksLikeHostPort,
  socketPathProblem,
  splitHostPort,
} from "./grammar.ts";
import { createLocator, type Locate } from "./locate.ts";
import { resolveEtcd } from "./resolve-etcd.ts";
import { resolveDiscovery } from "./resolve-file.ts";
import { resolveHealth, resolveServiceHealth } from "./resolve-health.ts";
import { resolveTemplates, resolveTrustedPrefixes } from "./resolve-templates.ts";
import type {
  AdminConfig,
  ApplyConfig,
  HaproxyConfig,
  HealthConfig,
  ServiceOverride,
  SluiceConfig,
} from "./schema.ts";
import { type ResolveContext, sectionReader } from "./section-reader.ts";

const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;
const NAME_RULE = "1-64 of [A-Za-z0-9._-], not starting with - or .";
const PORT_RULE = "the port must be from 1 to 65535";

/** Resolves a parsed sluice.toml (`root`) read from `file` with source `text`. Pure. */
export function resolveConfig(root: Table, file: string, text: string): SluiceConfig {
  const locate = createLocator(file, text);
  const context: ResolveContext = { root, locate, baseDir: dirname(resolve(file)) };
  const topFields = new FieldReader(root, TOP_FIELDS, {
    section: "",
    locate,
    baseDir: context.baseDir,
  });
  const stateDir = topFields.path("state_dir");
  const logLevel = topFields.choice("log_level");
  const logFormat = topFields.choice("log_format");
  const { discovery, fileDiscovery } = resolveDiscovery(context);
  const etcd = resolveEtcd(context);
  const haproxy = root.haproxy === undefined ? undefined : resolveHaproxy(context, stateDir);
  const apply = resolveApply(context);
  const admin = resolveAdmin(context, haproxy?.runtimeDir ?? HAPROXY_FIELDS.runtime_dir.default);
  const health = resolveHealth(context);
  const services = resolveServices(root.service, context, health);
  const templates = resolveTemplates(context);
  // Only a daemon that checks and removes takes part in the removal leader's election.
  const removes =
    discovery !== "file" && haproxy !== undefined && health.enabled && health.removeAfterMs > 0;
  const overlap = removes ? electionOverlap(etcd.prefix) : undefined;
  if (overlap !== undefined) {
    throw new ConfigError(`${locate("etcd", "prefix")}: etcd.prefix: "${etcd.prefix}": ${overlap}`);
  }
  rejectUnknownSections(root, locate);
  return {
    ...{ file, stateDir, logLevel, logFormat, discovery, fileDiscovery },
    ...{ etcd, haproxy, apply, admin, health, services, templates },
  };
}

function resolveHaproxy(context: ResolveContext, stateDir: string): HaproxyConfig {
  const haproxyFields = sectionReader(context, "haproxy", HAPROXY_FIELDS);
  const bind = haproxyFields.string("bind");
  const statsBind = haproxyFields.string("stats_bind");
  for (const [key, value] of [
    ["bind", bind],
    ["stats_bind", statsBind],
  ] as const) {
    haproxyFields.check(key, looksLikeHostPort(value), `must be "host:port", got "${value}"`);
    haproxyFields.check(key, hasValidPort(value), `${PORT_RULE}, got "${value}"`);
  }
  const defaultService = haproxyFields.string("default_service");
  haproxyFields.check(
    "default_service",
    defaultService === "" || NAME_PATTERN.test(defaultService),
    `"${defaultService}" is not a service name (${NAME_RULE})`,
  );
  const haproxy: HaproxyConfig = {
    binary: haproxyFields.string("binary"),
    template: haproxyFields.path("template"),
    config: haproxyFields.path("config", { state_dir: stateDir }),
    runtimeDir: haproxyFields.path("runtime_dir"),
    reload: haproxyFields.choice("reload"),
    bind,
    statsBind,
    defaultService,
    hardStopAfterMs: haproxyFields.duration("hard_stop_after"),
    checkTimeoutMs: haproxyFields.duration("check_timeout"),
    maxOldWorkers: haproxyFields.integer("max_old_workers"),
    spareSlots: haproxyFields.integer("spare_slots"),
    renderTimeoutMs: haproxyFields.duration("render_timeout"),
    renderMemoryLimit: haproxyFields.integer("render_memory_limit"),
    templateSizeLimit: haproxyFields.integer("template_size_limit"),
    cookieKey: haproxyFields.string("cookie_key"),
    trustedPrefixes: resolveTrustedPrefixes(haproxyFields),
  };
  // HAProxy's sockets live in runtime_dir; `haproxy -c` binds none, so check their length here.
  const masterSocket = runtimePaths(haproxy.runtimeDir).masterSocket;
  const socketProblem = socketPathProblem(masterSocket);
  haproxyFields.check("runtime_dir", socketProblem === undefined, `${socketProblem}`);
  haproxyFields.rejectUnknown();
  return haproxy;
}

function resolveApply(context: ResolveContext): ApplyConfig {
  const applyFields = sectionReader(context, "apply", APPLY_FIELDS);
  const apply: ApplyConfig = {
    minWaitMs: applyFields.duration("min_wait"),
    maxWaitMs: applyFields.duration("max_wait"),
    reloadWaitMs: applyFields.duration("reload_wait"),
    minReloadIntervalMs: applyFields.duration("min_reload_interval"),
    runtimeApi: applyFields.boolean("runtime_api"),
    allowEmpty: applyFields.boolean("allow_empty"),
    maxDropPercent: applyFields.integer("max_drop_percent"),
  };
  applyFields.check(
    "max_wait",
    apply.maxWaitMs >= apply.minWaitMs,
    "must not be shorter than min_wait",
  );
  applyFields.rejectUnknown();
  return apply;
}

function resolveAdmin(context: ResolveContext, runtimeDir: string): AdminConfig {
  const adminFields = sectionReader(context, "admin", ADMIN_FIELDS);
  const listen = adminFields.string("listen");
  const socket = adminFields.pathOrOff("socket", { runtime_dir: runtimeDir });
  const admin: AdminConfig = {
    listen,
    socket,
    tokenFile: adminFields.optionalPath("token_file") ?? "",
  };
  adminFields.check(
    "listen",
    listen === "" || looksLikeHostPort(listen),
    `must be "host:port" or "", got "${listen}"`,
  );
  adminFields.check(
    "listen",
    listen === "" || hasValidPort(listen),
    `${PORT_RULE}, got "${listen}"`,
  );
  const socketProblem = socket === "" ? undefined : socketPathProblem(socket);
  adminFields.check("socket", socketProblem === undefined, `${socketProblem}`);
  adminFields.check(
    "token_file",
    listen === "" || admin.tokenFile !== "" || isLoopbackHost(splitHostPort(listen).hostname),
    `is required when admin.listen ("${listen}") is not a loopback address: anyone who reaches ` +
      'it could read the config and reload HAProxy. Set token_file = "/etc/sluice/admin.token" ' +
      "(a file holding a long random token, e.g. from `openssl rand -hex 32`, mode 0640 root:sluice), " +
      'or listen on loopback (listen = "127.0.0.1:9600")',
  );
  adminFields.rejectUnknown();
  return admin;
}

function resolveServices(
  value: unknown,
  context: ResolveContext,
  health: HealthConfig,
): ServiceOverride[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new ConfigError(
      `${context.locate("", "service")}: service: must be an array of tables ([[service]])`,
    );
  }
  const seen = new Set<string>();
  return value.map((entry: Table, occurrence) => {
    const place = {
      section: "service",
      locate: context.locate,
      occurrence,
      baseDir: context.baseDir,
    };
    const serviceFields = new FieldReader(entry, SERVICE_FIELDS, place);
    const name = serviceFields.string("name");
    serviceFields.check(
      "name",
      NAME_PATTERN.test(name),
      `"${name}" is not a service name (${NAME_RULE})`,
    );
    serviceFields.check("name", !seen.has(name), `service "${name}" is declared twice`);
    seen.add(name);
    const balance = serviceFields.string("balance");
    const algorithms: readonly string[] = SERVICE_FIELDS.balance.choices;
    serviceFields.check(
      "balance",
      algorithms.includes(balance),
      `"${balance}" is not one of ${algorithms.join(", ")}`,
    );
    const hostnames = serviceFields.strings("hostnames");
    for (const host of hostnames) {
      serviceFields.check(
        "hostnames",
        /^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(host),
        `"${host}" is not a host name`,
      );
    }
    const healthOverride = resolveServiceHealth(serviceFields, health);
    serviceFields.rejectUnknown();
    return { name, balance, hostnames, ...healthOverride };
  });
}

function rejectUnknownSections(root: Table, locate: Locate): void {
  const known = new Set<string>([...Object.keys(TOP_FIELDS), ...Object.keys(FIELDS)]);
  known.delete("");
  for (const key of Object.keys(root)) {
    if (!known.has(key)) {
      throw new ConfigError(`${locate("", key)}: ${key}: unknown field or section`);
    }
  }
}
