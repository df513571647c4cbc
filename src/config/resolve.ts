// Turns a parsed sluice.toml table into a SluiceConfig: defaults, types, ranges, and errors that
// name the file, the line and the field.

import { dirname, isAbsolute, join, resolve } from "node:path";
import { parseDuration } from "../duration.ts";
import { ConfigError } from "../errors.ts";
import type { ReloadMode, ServiceOverride, SluiceConfig } from "./schema.ts";

type Table = Record<string, unknown>;

const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;
const BALANCE_ALGORITHMS = new Set([
  "roundrobin",
  "static-rr",
  "leastconn",
  "first",
  "source",
  "random",
  "uri",
  "url_param",
  "hdr",
]);

/** Reads fields of one table, remembering which were used so leftovers can be reported. */
class FieldReader {
  private readonly used = new Set<string>();
  constructor(
    private readonly table: Table,
    private readonly section: string,
    private readonly where: Locate,
    private readonly occurrence = 0,
  ) {}

  private fail(key: string, problem: string): never {
    const field = this.section ? `${this.section}.${key}` : key;
    throw new ConfigError(
      `${this.where(this.section, key, this.occurrence)}: ${field}: ${problem}`,
    );
  }

  private take(key: string): unknown {
    this.used.add(key);
    return this.table[key];
  }

  string(key: string, fallback: string): string {
    const value = this.take(key);
    if (value === undefined) return fallback;
    if (typeof value !== "string") this.fail(key, `must be a string, got ${describe(value)}`);
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const value = this.string(key, fallback);
    if (!(allowed as readonly string[]).includes(value)) {
      this.fail(key, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got "${value}"`);
    }
    return value as T;
  }

  strings(key: string, fallback: string[]): string[] {
    const value = this.take(key);
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
      this.fail(key, `must be an array of strings, got ${describe(value)}`);
    }
    return value as string[];
  }

  boolean(key: string, fallback: boolean): boolean {
    const value = this.take(key);
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") this.fail(key, `must be true or false, got ${describe(value)}`);
    return value;
  }

  integer(key: string, fallback: number, minimum: number, maximum: number): number {
    const value = this.take(key);
    if (value === undefined) return fallback;
    if (
      typeof value !== "number" ||
      !Number.isInteger(value) ||
      value < minimum ||
      value > maximum
    ) {
      this.fail(key, `must be an integer from ${minimum} to ${maximum}, got ${describe(value)}`);
    }
    return value;
  }

  duration(key: string, fallback: string, minimumMs = 0): number {
    const text = this.string(key, fallback);
    const ms = parseDuration(text);
    if (ms === undefined)
      this.fail(key, `must be a duration such as "250ms" or "2s", got "${text}"`);
    if (ms < minimumMs) this.fail(key, `must be at least ${minimumMs}ms, got "${text}"`);
    return ms;
  }

  optionalString(key: string): string | undefined {
    const value = this.string(key, "");
    return value === "" ? undefined : value;
  }

  optionalPath(key: string, baseDir: string): string | undefined {
    const value = this.optionalString(key);
    if (value === undefined) return undefined;
    return isAbsolute(value) ? value : resolve(baseDir, value);
  }

  path(key: string, fallback: string, baseDir: string): string {
    const value = this.string(key, fallback);
    return isAbsolute(value) ? value : resolve(baseDir, value);
  }

  /** Throws on any key that no reader asked for: a typo must not pass silently. */
  rejectUnknown(): void {
    for (const key of Object.keys(this.table)) {
      if (!this.used.has(key)) this.fail(key, "unknown field");
    }
  }

  check(key: string, ok: boolean, problem: string): void {
    if (!ok) this.fail(key, problem);
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "a table";
  return `${typeof value} ${typeof value === "number" ? String(value) : JSON.stringify(value)}`;
}

function subTable(root: Table, name: string, where: Locate): Table {
  const value = root[name];
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`${where("", name)}: ${name}: must be a table ([${name}])`);
  }
  return value as Table;
}

type Locate = (section: string, key: string, occurrence?: number) => string;

/**
 * Line lookup over the TOML text, so messages can say `file:line`. `occurrence` picks the nth
 * `[[section]]` of an array of tables. A key not found as `key = ...` is looked for as a
 * section header.
 */
export function createLocator(file: string, text: string): Locate {
  const lines = text.split("\n");
  return (section, key, occurrence = 0) => {
    let current = "";
    let seen = -1;
    let sectionLine = 0;
    let headerLine = 0;
    const keyPattern = new RegExp(`^"?${escapeRegExp(key)}"?\\s*=`);
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index]!.trim();
      const header = /^\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?/.exec(line);
      if (header) {
        current = header[1]!;
        if (current === section) seen++;
        if (current === section && seen === occurrence) sectionLine = index + 1;
        if (!headerLine && (current === key || current.startsWith(`${key}.`)) && section === "") {
          headerLine = index + 1;
        }
        continue;
      }
      const inSection = current === section && (section === "" || seen === occurrence);
      if (inSection && keyPattern.test(line)) return `${file}:${index + 1}`;
    }
    const line = headerLine || sectionLine;
    return line ? `${file}:${line}` : file;
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function isLoopbackListen(listen: string): boolean {
  const host = listen.slice(0, listen.lastIndexOf(":")).replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}

/** Resolves a parsed sluice.toml (`root`) read from `file` with source `text`. Pure. */
export function resolveConfig(root: Table, file: string, text: string): SluiceConfig {
  const where = createLocator(file, text);
  const baseDir = dirname(resolve(file));
  const top = new FieldReader(root, "", where);
  const stateDir = top.path("state_dir", "/var/lib/sluice", baseDir);

  const etcdReader = new FieldReader(subTable(root, "etcd", where), "etcd", where);
  const endpoints = etcdReader.strings("endpoints", ["http://127.0.0.1:2379"]);
  etcdReader.check("endpoints", endpoints.length > 0, "needs at least one endpoint");
  for (const endpoint of endpoints) {
    etcdReader.check(
      "endpoints",
      /^https?:\/\/[^\s/]+$/.test(endpoint),
      `"${endpoint}" is not a URL such as "http://127.0.0.1:2379"`,
    );
  }
  let prefix = etcdReader.string("prefix", "/apps/");
  etcdReader.check("prefix", prefix.startsWith("/"), `must start with "/", got "${prefix}"`);
  if (!prefix.endsWith("/")) prefix += "/";
  const etcd = {
    endpoints,
    prefix,
    dialTimeoutMs: etcdReader.duration("dial_timeout", "5s", 1),
    keepaliveMs: etcdReader.duration("keepalive", "5s", 1000),
    keepaliveTimeoutMs: etcdReader.duration("keepalive_timeout", "3s", 100),
    progressIntervalMs: etcdReader.duration("progress_interval", "5s", 100),
    resyncIntervalMs: etcdReader.duration("resync_interval", "5m"),
    username: etcdReader.optionalString("username"),
    passwordFile: etcdReader.optionalPath("password_file", baseDir),
    caFile: etcdReader.optionalPath("ca_file", baseDir),
    certFile: etcdReader.optionalPath("cert_file", baseDir),
    keyFile: etcdReader.optionalPath("key_file", baseDir),
  };
  etcdReader.check(
    "password",
    root.etcd === undefined || (root.etcd as Table).password === undefined,
    "is not read: put the password in a file and set password_file, so it stays out of sluice.toml",
  );
  etcdReader.check(
    "password_file",
    (etcd.username === undefined) === (etcd.passwordFile === undefined),
    "username and password_file go together: set both or neither",
  );
  etcdReader.check(
    "key_file",
    (etcd.certFile === undefined) === (etcd.keyFile === undefined),
    "cert_file and key_file go together: set both or neither",
  );
  const tls = etcd.caFile !== undefined || etcd.certFile !== undefined;
  for (const endpoint of endpoints) {
    etcdReader.check(
      "endpoints",
      !tls || endpoint.startsWith("https://"),
      `"${endpoint}" must be https:// when ca_file or cert_file is set`,
    );
  }
  etcdReader.rejectUnknown();

  let haproxy: SluiceConfig["haproxy"];
  if (root.haproxy !== undefined) {
    const h = new FieldReader(subTable(root, "haproxy", where), "haproxy", where);
    const bind = h.string("bind", "*:80");
    const statsBind = h.string("stats_bind", "*:8888");
    for (const [key, value] of [
      ["bind", bind],
      ["stats_bind", statsBind],
    ] as const) {
      h.check(
        key,
        /^[A-Za-z0-9.*:[\]-]+:\d{1,5}$/.test(value),
        `must be "host:port", got "${value}"`,
      );
    }
    const defaultService = h.string("default_service", "");
    h.check(
      "default_service",
      defaultService === "" || NAME_PATTERN.test(defaultService),
      `"${defaultService}" is not a service name (1-64 of [A-Za-z0-9._-], not starting with - or .)`,
    );
    haproxy = {
      binary: h.string("binary", "/usr/sbin/haproxy"),
      template: h.path("template", "/etc/sluice/templates/haproxy.cfg.liquid", baseDir),
      config: h.path("config", join(stateDir, "haproxy.cfg"), baseDir),
      runtimeDir: h.path("runtime_dir", "/run/sluice", baseDir),
      reload: h.oneOf<ReloadMode>("reload", ["master-worker", "sf"], "master-worker"),
      bind,
      statsBind,
      defaultService,
      hardStopAfterMs: h.duration("hard_stop_after", "30s", 1),
      checkTimeoutMs: h.duration("check_timeout", "30s", 100),
      maxOldWorkers: h.integer("max_old_workers", 3, 1, 100),
      spareSlots: h.integer("spare_slots", 8, 0, 100_000),
      cookieKey: h.string("cookie_key", "sluice"),
    };
    h.check(
      "cookie_key",
      /^[A-Za-z0-9._-]{1,64}$/.test(haproxy.cookieKey),
      "must be 1-64 of [A-Za-z0-9._-]",
    );
    h.rejectUnknown();
  }

  const a = new FieldReader(subTable(root, "apply", where), "apply", where);
  const apply = {
    minWaitMs: a.duration("min_wait", "0ms"),
    maxWaitMs: a.duration("max_wait", "200ms"),
    reloadWaitMs: a.duration("reload_wait", "100ms"),
    runtimeApi: a.boolean("runtime_api", true),
    allowEmpty: a.boolean("allow_empty", false),
    maxDropPercent: a.integer("max_drop_percent", 50, 0, 100),
  };
  a.check("max_wait", apply.maxWaitMs >= apply.minWaitMs, "must not be shorter than min_wait");
  a.rejectUnknown();

  const runtimeDir = haproxy?.runtimeDir ?? "/run/sluice";
  const ad = new FieldReader(subTable(root, "admin", where), "admin", where);
  const admin = {
    listen: ad.string("listen", "127.0.0.1:9600"),
    socket: ad.path("socket", join(runtimeDir, "admin.sock"), baseDir),
    tokenFile: ad.string("token_file", ""),
  };
  if (admin.tokenFile) admin.tokenFile = resolve(baseDir, admin.tokenFile);
  ad.check(
    "listen",
    admin.listen === "" || /^.+:\d{1,5}$/.test(admin.listen),
    `must be "host:port" or "", got "${admin.listen}"`,
  );
  ad.check(
    "token_file",
    admin.listen === "" || admin.tokenFile !== "" || isLoopbackListen(admin.listen),
    `is required when listen ("${admin.listen}") is not a loopback address`,
  );
  ad.rejectUnknown();

  const services = resolveServices(root.service, where);

  rejectUnknownTop(root, where);

  return { file, stateDir, etcd, haproxy, apply, admin, services };
}

function rejectUnknownTop(root: Table, where: Locate): void {
  const known = new Set(["state_dir", "etcd", "haproxy", "apply", "admin", "service"]);
  for (const key of Object.keys(root)) {
    if (!known.has(key))
      throw new ConfigError(`${where("", key)}: ${key}: unknown field or section`);
  }
}

function resolveServices(value: unknown, where: Locate): ServiceOverride[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new ConfigError(
      `${where("", "service")}: service: must be an array of tables ([[service]])`,
    );
  }
  const seen = new Set<string>();
  return value.map((entry: Table, index) => {
    const s = new FieldReader(entry, "service", where, index);
    const name = s.string("name", "");
    s.check(
      "name",
      NAME_PATTERN.test(name),
      `"${name}" is not a service name (1-64 of [A-Za-z0-9._-], not starting with - or .)`,
    );
    s.check("name", !seen.has(name), `service "${name}" is declared twice`);
    seen.add(name);
    const balance = s.string("balance", "leastconn");
    s.check(
      "balance",
      BALANCE_ALGORITHMS.has(balance),
      `"${balance}" is not one of ${[...BALANCE_ALGORITHMS].join(", ")}`,
    );
    const hostnames = s.strings("hostnames", []);
    for (const host of hostnames) {
      s.check(
        "hostnames",
        /^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(host),
        `"${host}" is not a host name`,
      );
    }
    s.rejectUnknown();
    return { name, balance, hostnames };
  });
}
