// The fields of each `[[template]]` table (a confd-style resource), part of defaults.ts's table.

import type { FieldSpec, SectionFields } from "./field-spec.ts";

/** Largest uid or gid a file can have (2^32 - 2; 2^32 - 1 means "unchanged" to chown). */
const MAX_ID = 4_294_967_294;

/** `haproxy.trusted_prefixes` (in HAPROXY_FIELDS): raw keys the main template may read. */
export const TRUSTED_PREFIXES_FIELD = {
  kind: "strings",
  default: [],
  description: "key prefixes whose raw values the template's lookups also see",
} as const satisfies FieldSpec;

/** Each `[[template]]`: one file rendered from the keys, checked, written, and reloaded. */
export const TEMPLATE_FIELDS = {
  src: {
    kind: "path",
    description: "Liquid template, relative to sluice.toml's directory; required",
  },
  dest: { kind: "string", description: "the file written, an absolute path; required" },
  keys: { kind: "strings", default: [], description: "key prefixes the template reads" },
  prefix: { kind: "string", default: "", description: "prepended to every key; lookups omit it" },
  mode: {
    kind: "string",
    description: 'octal file mode, e.g. "0644"; default: the existing file\'s, else 0644',
  },
  uid: {
    kind: "integer",
    default: -1,
    minimum: -1,
    maximum: MAX_ID,
    description: "owner of dest; -1: the existing file's, else sluice's",
  },
  gid: {
    kind: "integer",
    default: -1,
    minimum: -1,
    maximum: MAX_ID,
    description: "group of dest; -1: the existing file's, else sluice's",
  },
  check_cmd: {
    kind: "string",
    default: "",
    description: "run on the staged file ({{.src}}) before it replaces dest; failure keeps the old",
  },
  reload_cmd: {
    kind: "string",
    default: "",
    description: "run after dest changed; one identical command runs once per apply",
  },
  check_timeout: {
    kind: "duration",
    default: "30s",
    minimumMs: 1,
    description: "check_cmd is killed after this",
  },
  reload_timeout: {
    kind: "duration",
    default: "30s",
    minimumMs: 1,
    description: "reload_cmd is killed after this",
  },
} as const satisfies SectionFields;
