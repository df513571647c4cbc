// Every sluice.toml field in one table: its default as written in TOML, what it does, its bounds.

import { APPLY_FIELDS } from "./apply-fields.ts";
import type { SectionFields } from "./field-spec.ts";
import { FILE_FIELDS } from "./file-fields.ts";
import { HEALTH_FIELDS, SERVICE_HEALTH_FIELDS } from "./health-fields.ts";
import { TEMPLATE_FIELDS, TRUSTED_PREFIXES_FIELD } from "./template-fields.ts";
import { TOP_FIELDS } from "./top-fields.ts";

export { APPLY_FIELDS, FILE_FIELDS, TEMPLATE_FIELDS, TOP_FIELDS };

/** `[etcd]`: where registrations live and how sluice connects. */
export const ETCD_FIELDS = {
  endpoints: {
    kind: "strings",
    default: ["http://127.0.0.1:2379"],
    description: "client URLs, used one at a time, in order",
  },
  prefix: {
    kind: "string",
    default: "/apps/",
    description: "key prefix that holds registrations; always ends with /",
  },
  dial_timeout: {
    kind: "duration",
    default: "5s",
    minimumMs: 1,
    description: "time allowed to connect and to answer the first read",
  },
  keepalive: {
    kind: "duration",
    default: "5s",
    minimumMs: 1000,
    description: "gRPC keepalive ping interval; not below etcd's --grpc-keepalive-min-time",
  },
  keepalive_timeout: {
    kind: "duration",
    default: "3s",
    minimumMs: 100,
    description: "an unanswered keepalive ping marks etcd unreachable after this",
  },
  progress_interval: {
    kind: "duration",
    default: "5s",
    minimumMs: 100,
    description: "how often the watch must answer a progress request",
  },
  resync_interval: {
    kind: "duration",
    default: "5m",
    minimumMs: 0,
    description: 'how often the whole prefix is listed again anyway ("0s": never)',
  },
  username: { kind: "string", description: "user for etcd authentication; needs password_file" },
  password_file: { kind: "path", description: "file holding the etcd password" },
  ca_file: { kind: "path", description: "PEM CA bundle for etcd; default: the system's roots" },
  cert_file: { kind: "path", description: "PEM client certificate; needs key_file" },
  key_file: { kind: "path", description: "PEM private key of cert_file" },
} as const satisfies SectionFields;

/** `[haproxy]`: the binary, the files, reloads and the default template's settings. */
export const HAPROXY_FIELDS = {
  binary: { kind: "string", default: "/usr/sbin/haproxy", description: "HAProxy executable" },
  template: {
    kind: "path",
    default: "/etc/sluice/templates/haproxy.cfg.liquid",
    description: "Liquid template; the embedded default when the file is missing",
  },
  config: {
    kind: "path",
    default: "<state_dir>/haproxy.cfg",
    description: "rendered configuration",
    rendered: true,
  },
  runtime_dir: {
    kind: "path",
    default: "/run/sluice",
    description: "HAProxy's sockets and pid file",
    rendered: true,
  },
  reload: {
    kind: "choice",
    default: "master-worker",
    choices: ["master-worker", "sf"],
    description: 'how HAProxy reloads: one -W master, or "sf" (-sf <old pids> -x <socket>)',
  },
  bind: { kind: "string", default: "*:80", description: "the default template's HTTP frontend" },
  stats_bind: {
    kind: "string",
    default: "*:8888",
    description: "the default template's stats frontend",
  },
  default_service: {
    kind: "string",
    default: "",
    description: 'service for unmatched Host headers; "": the first service by name',
  },
  hard_stop_after: {
    kind: "duration",
    default: "30s",
    minimumMs: 1,
    description: "old workers are killed this long after a reload",
  },
  max_old_workers: {
    kind: "integer",
    default: 3,
    minimum: 1,
    maximum: 100,
    description: "old workers kept while they finish",
  },
  check_timeout: {
    kind: "duration",
    default: "30s",
    minimumMs: 100,
    description: "how long `haproxy -c` may take",
  },
  spare_slots: {
    kind: "integer",
    default: 8,
    minimum: 0,
    maximum: 100_000,
    description: "free server slots per backend, at least",
  },
  render_timeout: {
    kind: "duration",
    default: "2s",
    minimumMs: 1,
    description: "a render of the template that runs longer fails (the last good config stays)",
  },
  render_memory_limit: {
    kind: "integer",
    default: 10_000_000,
    minimum: 1000,
    maximum: 1_000_000_000,
    description: "characters and array elements one render may build (ranges, filters)",
  },
  template_size_limit: {
    kind: "integer",
    default: 1_000_000,
    minimum: 1000,
    maximum: 100_000_000,
    description: "longest template, in characters",
  },
  cookie_key: {
    kind: "string",
    default: "sluice",
    pattern: /^[A-Za-z0-9._-]{1,64}$/,
    rule: "1-64 of [A-Za-z0-9._-]",
    description: "secret of the dynamic persistence cookies",
  },
  trusted_prefixes: TRUSTED_PREFIXES_FIELD,
} as const satisfies SectionFields;

/** `[admin]`: where the admin API listens and its token. */
export const ADMIN_FIELDS = {
  listen: {
    kind: "string",
    default: "127.0.0.1:9600",
    description: 'host:port of the admin API; "" disables TCP',
  },
  socket: {
    kind: "path",
    default: "<runtime_dir>/admin.sock",
    description: 'unix socket of the admin API; "" disables it',
  },
  token_file: {
    kind: "path",
    default: "",
    description: "bearer token for TCP mutations (and reads off loopback); required off loopback",
  },
} as const satisfies SectionFields;

/** Each `[[service]]`: per-service overrides. */
export const SERVICE_FIELDS = {
  name: { kind: "string", description: "service name, as in the etcd key; required" },
  balance: {
    kind: "string",
    default: "leastconn",
    choices: [
      "roundrobin",
      "static-rr",
      "leastconn",
      "first",
      "source",
      "random",
      "uri",
      "url_param",
      "hdr",
    ],
    description: "HAProxy balance algorithm",
  },
  hostnames: {
    kind: "strings",
    default: [],
    description: "Host headers routed to the service, besides its name",
  },
  ...SERVICE_HEALTH_FIELDS,
} as const satisfies SectionFields;

/** Every section by name (`""`: the top level; `service`, `template`: each `[[...]]` table). */
// biome-ignore format: one line per pair keeps the table readable
export const FIELDS = {
  "": TOP_FIELDS, etcd: ETCD_FIELDS, haproxy: HAPROXY_FIELDS,
  apply: APPLY_FIELDS, admin: ADMIN_FIELDS, health: HEALTH_FIELDS, service: SERVICE_FIELDS,
  template: TEMPLATE_FIELDS,
  file: FILE_FIELDS,
} as const satisfies Record<string, SectionFields>;

export type SectionName = keyof typeof FIELDS;
