// One confd template resource (conf.d/*.toml, its `[template]` table): its fields, the key
// prefix confd gave it, and whether it is the one that renders HAProxy's config. Pure.

import type { Report } from "./report.ts";
import { lineOfKey, type Table } from "./toml.ts";

/** A confd resource as the import uses it. */
export type ConfdResource = {
  /** The resource file, for report lines. */
  file: string;
  /** The template, relative to the confdir's templates/. */
  src: string;
  dest: string;
  /** Keys as written (relative to `prefix`). */
  keys: string[];
  /** confd's global prefix joined with the resource's, "" for none. */
  prefix: string;
  mode?: string;
  uid?: number;
  gid?: number;
  checkCmd?: string;
  reloadCmd?: string;
  /** Line of a field in the resource file. */
  lineOf(key: string): number | undefined;
};

const FIELDS = [
  "src",
  "dest",
  "keys",
  "prefix",
  "mode",
  "uid",
  "gid",
  "owner",
  "group",
  "check_cmd",
  "reload_cmd",
];

/** A user or group name to its id on this host (the edge reads /etc/passwd and /etc/group). */
export type IdLookup = (kind: "user" | "group", name: string) => number | undefined;

/** `/` + `a` + `b` as confd 0.7 joined prefixes; a key's trailing `/` is kept. "" for the root. */
export function joinKey(...parts: string[]): string {
  const joined = `/${parts.join("/")}`.replace(/\/+/g, "/");
  const trimmed =
    joined.length > 1 && !parts.at(-1)?.endsWith("/") ? joined.replace(/\/$/, "") : joined;
  return trimmed === "/" ? "" : trimmed;
}

/** The prefix confd 0.7 used: the global one joined with the resource's. */
function resourcePrefix(
  global: string,
  own: string,
  file: string,
  at: number | undefined,
  report: Report,
): string {
  const trimmed = (text: string) => text.replace(/^\/+|\/+$/g, "");
  if (trimmed(global) && trimmed(own)) {
    report.add(
      file,
      at,
      "action",
      `prefix: joined with confd.toml's prefix as confd 0.7 did (${joinKey(global, own)}); later confd releases use confd.toml's prefix alone (${joinKey(global)}): check which one your confd used`,
    );
  }
  return joinKey(global, own);
}

/** Reads `[template]` of one resource file; undefined (with a problem) when it has no src. */
export function readResource(
  table: Table,
  text: string,
  file: string,
  globalPrefix: string,
  report: Report,
  lookupId: IdLookup,
): ConfdResource | undefined {
  const lineOf = (key: string) => lineOfKey(text, "template", key);
  const section = table.template;
  if (typeof section !== "object" || section === null || Array.isArray(section)) {
    report.add(file, undefined, "problem", "no [template] table: not a confd template resource");
    return undefined;
  }
  const fields = section as Table;
  for (const key of Object.keys(fields).filter((key) => !FIELDS.includes(key))) {
    report.add(
      file,
      lineOf(key),
      "problem",
      `${key}: unknown template resource field, not converted`,
    );
  }
  const string = (key: string) =>
    typeof fields[key] === "string" ? (fields[key] as string) : undefined;
  const src = string("src");
  if (!src) {
    report.add(
      file,
      undefined,
      "problem",
      "src: missing (confd refuses a resource without a template)",
    );
    return undefined;
  }
  const resource: ConfdResource = {
    file,
    src,
    dest: string("dest") ?? "",
    keys: Array.isArray(fields.keys) ? fields.keys.map(String) : [],
    prefix: resourcePrefix(globalPrefix, string("prefix") ?? "", file, lineOf("prefix"), report),
    lineOf,
  };
  if (!resource.dest) report.add(file, undefined, "problem", "dest: missing");
  const mode = string("mode");
  if (mode) resource.mode = mode;
  const checkCmd = string("check_cmd");
  if (checkCmd) resource.checkCmd = checkCmd;
  const reloadCmd = string("reload_cmd");
  if (reloadCmd) resource.reloadCmd = reloadCmd;
  readOwner(resource, fields, report, lookupId);
  return resource;
}

/** uid/gid as given, or owner/group names looked up on this host. */
function readOwner(
  resource: ConfdResource,
  fields: Table,
  report: Report,
  lookupId: IdLookup,
): void {
  for (const [idKey, nameKey, kind] of [
    ["uid", "owner", "user"],
    ["gid", "group", "group"],
  ] as const) {
    const id = fields[idKey];
    if (typeof id === "number" && id !== -1) resource[idKey] = id;
    const name = fields[nameKey];
    if (typeof name !== "string" || !name) continue;
    const found = lookupId(kind, name);
    const at = resource.lineOf(nameKey);
    if (found === undefined) {
      report.add(
        resource.file,
        at,
        "problem",
        `${nameKey} = "${name}": no such ${kind} on this host; set ${idKey} in the [[template]] section by hand`,
      );
    } else {
      resource[idKey] = found;
      report.add(
        resource.file,
        at,
        "note",
        `${nameKey} = "${name}": written as ${idKey} = ${found} (this host's id)`,
      );
    }
  }
}

/** Whether `dest` is an HAProxy config file (haproxy*.cfg, or a .cfg under a haproxy directory). */
export function isHaproxyConfigPath(dest: string): boolean {
  const name = dest.split("/").at(-1) ?? "";
  return /^haproxy.*\.cfg$/.test(name) || /\/haproxy[^/]*\/[^/]+\.cfg$/.test(dest);
}

/** Whether a command reloads or restarts HAProxy (systemctl, service, init script, -sf, USR2). */
export function reloadsHaproxy(command: string | undefined): boolean {
  if (!command || !/haproxy/i.test(command)) return false;
  return /\b(reload|restart|try-restart|reload-or-restart)\b|\s-s[ft]\b|USR2|SIGUSR2/.test(command);
}

/** Files HAProxy reads besides its config (maps, ACL lists, certificates, Lua, error pages). */
const AUXILIARY_FILE = /\.(map|lst|acl|pem|crt|txt|lua|http)$/;

/**
 * The resource that renders HAProxy's config: the first whose dest is an HAProxy config file,
 * else the first whose reload_cmd reloads HAProxy; undefined when there is none.
 */
export function findHaproxyResource(resources: ConfdResource[]): ConfdResource | undefined {
  return (
    resources.find((resource) => isHaproxyConfigPath(resource.dest)) ??
    resources.find(
      (resource) => reloadsHaproxy(resource.reloadCmd) && !AUXILIARY_FILE.test(resource.dest),
    )
  );
}
