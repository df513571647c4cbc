// The [apply] section's fields (how changes are batched, paced and guarded), part of
// defaults.ts's table.

import type { SectionFields } from "./field-spec.ts";

/** `[apply]`: how changes are batched and guarded. */
export const APPLY_FIELDS = {
  min_wait: {
    kind: "duration",
    default: "0ms",
    minimumMs: 0,
    description: "quiet time that closes a burst of changes",
  },
  max_wait: {
    kind: "duration",
    default: "200ms",
    minimumMs: 0,
    description: "a burst never delays an apply longer than this",
  },
  reload_wait: {
    kind: "duration",
    default: "100ms",
    minimumMs: 0,
    description: "a reload waits this long for the rest of its burst",
  },
  min_reload_interval: {
    kind: "duration",
    default: "1s",
    minimumMs: 0,
    description: 'at most one reload per interval, changes between coalesced; "0s": off',
  },
  runtime_api: {
    kind: "boolean",
    default: true,
    description: "server changes through HAProxy's runtime API instead of reloads",
  },
  allow_empty: {
    kind: "boolean",
    default: false,
    description: "let an update remove every server of a backend",
  },
  max_drop_percent: {
    kind: "integer",
    default: 50,
    minimum: 0,
    maximum: 100,
    description: "largest share of a backend one update may remove (100: no limit)",
  },
} as const satisfies SectionFields;
