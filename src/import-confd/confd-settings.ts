// confd.toml → what sluice.toml takes from it: the etcd endpoints, TLS and credentials, the key
// prefix, the log level, and a report line for every setting sluice does differently. Pure.

import { type EtcdTarget, mapEtcd } from "./etcd-target.ts";
import type { Report } from "./report.ts";
import { lineOfKey, type Table } from "./toml.ts";

export type { EtcdTarget } from "./etcd-target.ts";

/** What the import takes from confd.toml. */
export type ConfdSettings = {
  /** confd's backend: "etcd" (its v2 API), "etcdv3", "file", or one sluice has no source for. */
  backend: string;
  etcd: EtcdTarget;
  /** `discovery = "file"`: confd's `file` (backend = "file"). */
  filePath?: string;
  /** confd's global key prefix, "" for none. */
  prefix: string;
  logLevel?: "debug" | "info" | "warn" | "error";
  /** confd's `sync-only`: check_cmd and reload_cmd are not run. */
  syncOnly: boolean;
};

/** Settings that say how confd runs, with what sluice does instead. */
const RUNTIME_NOTES: Record<string, string> = {
  interval: "sluice watches etcd instead of polling: changes apply within milliseconds",
  watch: "sluice always watches etcd",
  noop: "`lbctl plan --diff` shows what would change without writing (confd's noop)",
  onetime: "`sluice serve --once` renders and applies once, then exits (confd's onetime)",
  "keep-stage-file": "sluice removes its staged files",
  verbose: "sluice logs at info by default; set log_level for more or less",
  debug: 'set log_level = "debug" in sluice.toml for debug logs',
  quiet: 'set log_level = "warn" in sluice.toml for fewer logs',
  confdir: "read from the directory given to lbctl import-confd",
};

/** Settings of confd backends sluice has no counterpart for: ignored as confd ignored them. */
const OTHER_BACKEND_KEYS = [
  "auth_token",
  "auth_type",
  "app_id",
  "user_id",
  "role_id",
  "secret_id",
  "path",
  "table",
  "separator",
  "filter",
];

const LOG_LEVELS: Record<string, ConfdSettings["logLevel"]> = {
  debug: "debug",
  info: "info",
  warn: "warn",
  warning: "warn",
  error: "error",
  fatal: "error",
  panic: "error",
};

const HANDLED = [
  "backend",
  "nodes",
  "scheme",
  "prefix",
  "client_cakeys",
  "client_cert",
  "client_key",
  "client_insecure",
  "username",
  "password",
  "basic_auth",
  "srv_domain",
  "srv_record",
  "log-level",
  "sync-only",
  "secret_keyring",
  "file",
];

/** Reads the settings of confd.toml (`table` parsed from `text`), reporting into `report`. */
export function mapConfdSettings(
  table: Table,
  text: string,
  file: string,
  report: Report,
): ConfdSettings {
  const at = (key: string) => lineOfKey(text, "", key);
  const string = (key: string) => (typeof table[key] === "string" ? (table[key] as string) : "");
  for (const key of Object.keys(table)) {
    if (key in RUNTIME_NOTES) report.add(file, at(key), "note", `${key}: ${RUNTIME_NOTES[key]}`);
    else if (OTHER_BACKEND_KEYS.includes(key)) {
      report.add(file, at(key), "note", `${key}: only used by confd's other backends; ignored`);
    } else if (!HANDLED.includes(key)) {
      report.add(file, at(key), "problem", `${key}: unknown confd setting, not converted`);
    }
  }
  const backend = string("backend") || "etcd";
  const settings: ConfdSettings = {
    backend,
    etcd: mapEtcd(table, text, file, report, backend),
    prefix: string("prefix"),
    syncOnly: table["sync-only"] === true,
  };
  mapBackend(settings, table, at, file, report);
  const level = string("log-level");
  if (level) {
    settings.logLevel = LOG_LEVELS[level.toLowerCase()];
    if (!settings.logLevel)
      report.add(
        file,
        at("log-level"),
        "problem",
        `log-level: "${level}" is not a level sluice knows`,
      );
  }
  if (table.secret_keyring) {
    report.add(
      file,
      at("secret_keyring"),
      "problem",
      "secret_keyring: sluice has no crypt functions (cget, cgets, cgetv, cgetvs): decrypt those values before they reach etcd",
    );
  }
  if (settings.syncOnly) {
    report.add(
      file,
      at("sync-only"),
      "note",
      "sync-only: the [[template]] sections are written without check_cmd and reload_cmd",
    );
  }
  return settings;
}

function mapBackend(
  settings: ConfdSettings,
  table: Table,
  at: (key: string) => number | undefined,
  file: string,
  report: Report,
): void {
  const { backend } = settings;
  if (backend === "etcd") {
    report.add(
      file,
      at("backend"),
      "action",
      'backend = "etcd" is etcd\'s v2 API; sluice reads the v3 keyspace, and etcd 3.6 removed v2: whatever writes the keys (etcdctl set/mk/update/rm/rmdir) must write v3 (ETCDCTL_API=3 etcdctl put/del, or lbctl register SVC ADDR --name N); `lbctl import-confd --copy-v2-keys` copies the keys of a v2 store still running into v3',
    );
  } else if (backend === "file") {
    const files = [table.file].flat().filter((path): path is string => typeof path === "string");
    if (files.length !== 1) {
      report.add(
        file,
        at("file"),
        "problem",
        `file: sluice's file discovery reads one file, confd.toml lists ${files.length}`,
      );
    }
    if (files[0]) settings.filePath = files[0];
  } else if (backend !== "etcdv3") {
    report.add(
      file,
      at("backend"),
      "problem",
      `backend = "${backend}": sluice reads etcd (v3) or a file of keys; move the keys to etcd v3 or use discovery = "file"`,
    );
  }
}
