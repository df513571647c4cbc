// What a sluice.toml field is (kind, default, bounds) and how a default is written in TOML.

/** The parts every field has. */
type FieldBase = {
  /** One line for the README and `lbctl check`. */
  description: string;
};

/** A string. Without a default the field is unset (the feature is off, or it is required). */
export type StringField = FieldBase & {
  kind: "string";
  default?: string;
  /** The values allowed, when the set is closed. */
  choices?: readonly string[];
  /** The whole value must match this (anchored) pattern; checked before anything else. */
  pattern?: RegExp;
  /** The pattern in words, for the message: `must be <rule>`. */
  rule?: string;
};
/** A file or directory; relative paths resolve against the config file's directory. A default
 * may name another field's value as `<field>` (e.g. `"<state_dir>/haproxy.cfg"`). */
export type PathField = FieldBase & {
  kind: "path";
  default?: string;
  /** Whether the template writes it (or a file beside it) into haproxy.cfg unquoted: then it may
   * not hold whitespace, quotes, "\\" or "#". Other paths may. */
  rendered?: boolean;
};
/** An array of strings. */
export type StringsField = FieldBase & { kind: "strings"; default: readonly string[] };
/** A duration string such as `"250ms"` or `"2s"`, never shorter than `minimumMs` and never
 * longer than a timer holds (`MAX_TIMER_MS`). Without a default the field is unset (a
 * `[[service]]` override that falls back to its section's value). */
export type DurationField = FieldBase & { kind: "duration"; default?: string; minimumMs: number };
/** An integer from `minimum` to `maximum`; without a default, unset like a duration. */
export type IntegerField = FieldBase & {
  kind: "integer";
  default?: number;
  minimum: number;
  maximum: number;
};
/** `true` or `false`. */
export type BooleanField = FieldBase & { kind: "boolean"; default: boolean };
/** One of a few strings. */
export type ChoiceField = FieldBase & {
  kind: "choice";
  default: string;
  choices: readonly string[];
};

export type FieldSpec =
  | StringField
  | PathField
  | StringsField
  | DurationField
  | IntegerField
  | BooleanField
  | ChoiceField;

/** A TOML value as a default is written. */
export type TomlValue = string | number | boolean | readonly string[];

/** The fields of one section, by key. */
export type SectionFields = Record<string, FieldSpec>;

/** `section.key`, or `key` at the top level: how messages and reports name a field. */
export function fieldName(section: string, key: string): string {
  return section ? `${section}.${key}` : key;
}

/** A value the way it is written in sluice.toml (`"5s"`, `50`, `["a", "b"]`). */
export function formatToml(value: TomlValue): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return `[${value.map((item) => JSON.stringify(item)).join(", ")}]`;
}

/** Replaces `<field>` placeholders in a default with the values given (`<state_dir>`). */
export function expandPlaceholders(text: string, values: Record<string, string>): string {
  return text.replace(/<([a-z_]+)>/g, (whole, name: string) => values[name] ?? whole);
}
