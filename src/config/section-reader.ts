// Finds a `[section]` table in the parsed file and gives a FieldReader for it.

import { ConfigError } from "../errors.ts";
import { FieldReader, type Table } from "./field-reader.ts";
import type { SectionFields } from "./field-spec.ts";
import type { Locate } from "./locate.ts";

/** The `[name]` table of `root`, `{}` when absent; throws when `name` is not a table. */
export function readSection(root: Table, name: string, locate: Locate): Table {
  const value = root[name];
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`${locate("", name)}: ${name}: must be a table ([${name}])`);
  }
  return value as Table;
}

/** What every section resolver needs: the whole file, where lines are, and the base directory. */
export type ResolveContext = { root: Table; locate: Locate; baseDir: string };

/** A reader for the `[section]` table of the file, checked against `fields`. */
export function sectionReader<Fields extends SectionFields>(
  context: ResolveContext,
  section: string,
  fields: Fields,
): FieldReader<Fields> {
  const table = readSection(context.root, section, context.locate);
  return new FieldReader(table, fields, {
    section,
    locate: context.locate,
    baseDir: context.baseDir,
  });
}
