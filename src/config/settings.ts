// Which sluice.toml fields a file sets and which it leaves at their defaults (for `lbctl check`).

import { FIELDS, type SectionName } from "./defaults.ts";
import type { Table } from "./field-reader.ts";
import {
  expandPlaceholders,
  type FieldSpec,
  fieldName,
  type SectionFields,
  type TomlValue,
} from "./field-spec.ts";

/** One field's effective value: as written in the file, or its default. */
export type Setting = {
  /** `section.key`, e.g. `etcd.dial_timeout`. */
  field: string;
  /** The TOML value (durations as written, e.g. `"5s"`); null for an unset field without one. */
  value: TomlValue | null;
  /** True when the file does not set the field. */
  default: boolean;
};

/**
 * The settings of every field of a parsed, valid sluice.toml (`root`), in the order of the
 * defaults table. `[haproxy]` and `[file]` fields are listed only when the file has that
 * section, and `[[service]]` and `[[template]]` entries are not listed (they have no file-wide
 * value).
 */
export function listSettings(root: Table): Setting[] {
  const sections = (Object.keys(FIELDS) as SectionName[]).filter(
    (section) =>
      section !== "service" &&
      section !== "template" &&
      (section !== "haproxy" || root.haproxy !== undefined) &&
      (section !== "file" || root.file !== undefined),
  );
  const settings: Setting[] = [];
  // Placeholders in defaults (`<runtime_dir>`) take the value written, else that field's default.
  const values: Record<string, string> = {};
  for (const { key, spec } of listFields()) {
    if (typeof spec.default === "string") values[key] = spec.default;
  }
  for (const section of sections) {
    const table = (section === "" ? root : (root[section] ?? {})) as Table;
    for (const [key, spec] of Object.entries(FIELDS[section] as SectionFields)) {
      const written = table[key] as TomlValue | undefined;
      let value: TomlValue | null = written ?? spec.default ?? null;
      if (written === undefined && typeof value === "string" && spec.kind === "path") {
        value = expandPlaceholders(value, values);
      }
      if (typeof value === "string") values[key] = value;
      settings.push({ field: fieldName(section, key), value, default: written === undefined });
    }
  }
  return settings;
}

/** One row of the table: a field with the section it belongs to. */
export type FieldRow = { section: SectionName; key: string; spec: FieldSpec };

/** Every field, section by section, in the order of the table. */
export function listFields(): FieldRow[] {
  return Object.entries(FIELDS).flatMap(([section, fields]) =>
    Object.entries(fields as SectionFields).map(([key, spec]) => ({
      section: section as SectionName,
      key,
      spec,
    })),
  );
}
