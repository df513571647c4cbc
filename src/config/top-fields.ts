// The top-level sluice.toml fields (before any `[section]`), part of defaults.ts's table.

import type { SectionFields } from "./field-spec.ts";

/** Top-level fields (before any `[section]`). */
export const TOP_FIELDS = {
  state_dir: {
    kind: "path",
    default: "/var/lib/sluice",
    description: "rendered config, last good copy and snapshot",
    rendered: true,
  },
  log_level: {
    kind: "choice",
    default: "info",
    choices: ["debug", "info", "warn", "error"],
    description: "least severe log line written; PUT /v1/log-level changes it at runtime",
  },
  log_format: {
    kind: "choice",
    default: "json",
    choices: ["json", "logfmt"],
    description: "one JSON object per line on stdout, or logfmt `level=... msg=...` lines",
  },
  discovery: {
    kind: "choice",
    default: "etcd",
    choices: ["etcd", "file"],
    description: 'where the keys come from: etcd, or the key file of [file] ("file")',
  },
} as const satisfies SectionFields;
