// Resolves the top-level `discovery` field and the [file] section (the key file of file discovery).

import { FILE_FIELDS, TOP_FIELDS } from "./defaults.ts";
import { FieldReader } from "./field-reader.ts";
import type { DiscoverySource, FileConfig } from "./schema.ts";
import { type ResolveContext, sectionReader } from "./section-reader.ts";

const KEY_FILE_EXTENSION = /\.(json|ya?ml|toml)$/i;

/** `discovery` and `[file]` of the file in `context`: `fileDiscovery` is set when `discovery = "file"`;
 * with etcd discovery a `[file]` section is still checked, and not used. */
export function resolveDiscovery(context: ResolveContext): {
  discovery: DiscoverySource;
  fileDiscovery: FileConfig | undefined;
} {
  const topFields = new FieldReader(context.root, TOP_FIELDS, {
    section: "",
    locate: context.locate,
    baseDir: context.baseDir,
  });
  const discovery = topFields.choice("discovery");
  const fileFields = sectionReader(context, "file", FILE_FIELDS);
  const path = fileFields.optionalPath("path");
  fileFields.rejectUnknown();
  if (discovery !== "file") return { discovery, fileDiscovery: undefined };
  topFields.check(
    "discovery",
    context.root.file !== undefined,
    'is "file": needs a [file] section with path = "keys.yaml" (file.path)',
  );
  fileFields.check("path", path !== undefined, 'is required when discovery = "file"');
  fileFields.check(
    "path",
    KEY_FILE_EXTENSION.test(path ?? ""),
    `must end in .json, .yaml, .yml or .toml, got "${path}"`,
  );
  return { discovery, fileDiscovery: { path: path! } };
}
