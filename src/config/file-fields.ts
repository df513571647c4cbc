// The [file] section's fields (the key file of `discovery = "file"`), part of defaults.ts's table.

import type { SectionFields } from "./field-spec.ts";

/** `[file]`: the key file of `discovery = "file"` (confd's file backend). */
export const FILE_FIELDS = {
  path: {
    kind: "path",
    description:
      'key file (.json, .yaml, .yml or .toml), watched; required with discovery = "file"',
  },
} as const satisfies SectionFields;
