// Reads one sluice.toml table against its fields in defaults.ts; errors name file:line and field.

import { isAbsolute, normalize, resolve } from "node:path";
import { MAX_TIMER_MS, parseDuration } from "../duration.ts";
import { ConfigError } from "../errors.ts";
import { expandPlaceholders, type FieldSpec, fieldName, type SectionFields } from "./field-spec.ts";
import { controlCharacterProblem, pathProblem } from "./grammar.ts";
import type { Locate } from "./locate.ts";

/** A parsed TOML table. */
export type Table = Record<string, unknown>;

type FieldKind = FieldSpec["kind"];
type SpecOfKind<Kind extends FieldKind> = Extract<FieldSpec, { kind: Kind }>;

/** The keys of `Fields` whose entry is of `Kind`. */
type KeysOfKind<Fields extends SectionFields, Kind extends FieldKind> = {
  [Key in keyof Fields]: Fields[Key]["kind"] extends Kind ? Key : never;
}[keyof Fields] &
  string;

/** The union of a choice field's allowed values. */
type ChoiceOf<Spec> = Spec extends { choices: readonly (infer Choice)[] } ? Choice : string;

/** Where a reader's table sits in the file. */
export type TablePlace = {
  /** Section name, `""` for the top level. */
  section: string;
  locate: Locate;
  /** Which `[[section]]` of an array of tables (0 for plain tables). */
  occurrence?: number;
  /** Directory that relative paths resolve against. */
  baseDir: string;
};

/** Reads fields of one table, remembering which were used so leftovers can be reported. */
export class FieldReader<Fields extends SectionFields> {
  private readonly used = new Set<string>();
  constructor(
    private readonly table: Table,
    private readonly fields: Fields,
    private readonly place: TablePlace,
  ) {}

  private fail(key: string, problem: string): never {
    const { section, locate, occurrence = 0 } = this.place;
    throw new ConfigError(
      `${locate(section, key, occurrence)}: ${fieldName(section, key)}: ${problem}`,
    );
  }

  private take(key: string): unknown {
    this.used.add(key);
    return this.table[key];
  }

  private spec<Kind extends FieldKind>(key: string, kind: Kind): SpecOfKind<Kind> {
    const spec = this.fields[key];
    if (spec?.kind !== kind) throw new Error(`defaults.ts: ${key} is not a ${kind} field`);
    return spec as SpecOfKind<Kind>;
  }

  /** The string at `key`, or `fallback`; no config string may hold a control character. */
  private text(key: string, fallback: string): string {
    const value = this.take(key);
    if (value === undefined) return fallback;
    if (typeof value !== "string") this.fail(key, `must be a string, got ${describeValue(value)}`);
    this.refuse(key, controlCharacterProblem(value));
    return value;
  }

  private refuse(key: string, problem: string | undefined): void {
    if (problem !== undefined) this.fail(key, problem);
  }

  /** A string field; `""` when it is absent and has no default. A field with a `pattern` is
   * checked against it first, so its message says what the value must be. */
  string(key: KeysOfKind<Fields, "string">): string {
    const { default: fallback = "", pattern, rule } = this.spec(key, "string");
    const written = this.table[key];
    if (pattern && typeof written === "string" && !pattern.test(written)) {
      this.fail(key, `must be ${rule ?? pattern.source}`);
    }
    return this.text(key, fallback);
  }

  /** A string field that is unset when absent or `""`. */
  optionalString(key: KeysOfKind<Fields, "string">): string | undefined {
    const value = this.string(key);
    return value === "" ? undefined : value;
  }

  /** One of the field's `choices`. */
  choice<Key extends KeysOfKind<Fields, "choice">>(key: Key): ChoiceOf<Fields[Key]> {
    const { default: fallback, choices } = this.spec(key, "choice");
    const value = this.text(key, fallback);
    if (!choices.includes(value)) {
      const allowed = choices.map((choice) => `"${choice}"`).join(", ");
      this.fail(key, `must be one of ${allowed}, got "${value}"`);
    }
    return value as ChoiceOf<Fields[Key]>;
  }

  /** An array of strings. */
  strings(key: KeysOfKind<Fields, "strings">): string[] {
    const value = this.take(key);
    if (value === undefined) return [...this.spec(key, "strings").default];
    if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
      this.fail(key, `must be an array of strings, got ${describeValue(value)}`);
    }
    for (const item of value as string[]) this.refuse(key, controlCharacterProblem(item));
    return value as string[];
  }

  /** `true` or `false`. */
  boolean(key: KeysOfKind<Fields, "boolean">): boolean {
    const value = this.take(key);
    if (value === undefined) return this.spec(key, "boolean").default;
    if (typeof value !== "boolean") {
      this.fail(key, `must be true or false, got ${describeValue(value)}`);
    }
    return value;
  }

  /** An integer within the field's bounds. */
  integer(key: KeysOfKind<Fields, "integer">): number {
    return this.optionalInteger(key) ?? this.spec(key, "integer").default ?? noDefault(key);
  }

  /** An integer within the field's bounds, or undefined when absent and without a default. */
  optionalInteger(key: KeysOfKind<Fields, "integer">): number | undefined {
    const { default: fallback, minimum, maximum } = this.spec(key, "integer");
    const value = this.take(key);
    if (value === undefined) return fallback;
    if (
      typeof value !== "number" ||
      !Number.isInteger(value) ||
      value < minimum ||
      value > maximum
    ) {
      this.fail(
        key,
        `must be an integer from ${minimum} to ${maximum}, got ${describeValue(value)}`,
      );
    }
    return value;
  }

  /** A duration string, in milliseconds, at least the field's minimum. */
  duration(key: KeysOfKind<Fields, "duration">): number {
    return this.optionalDuration(key) ?? noDefault(key);
  }

  /** A duration in milliseconds, or undefined when absent and without a default. */
  optionalDuration(key: KeysOfKind<Fields, "duration">): number | undefined {
    const { default: fallback, minimumMs } = this.spec(key, "duration");
    const text = this.text(key, fallback ?? "");
    if (fallback === undefined && this.table[key] === undefined) return undefined;
    const milliseconds = parseDuration(text);
    if (milliseconds === undefined) {
      this.fail(key, `must be a duration such as "250ms" or "2s", got "${text}"`);
    }
    if (milliseconds < minimumMs) this.fail(key, `must be at least ${minimumMs}ms, got "${text}"`);
    if (milliseconds > MAX_TIMER_MS) {
      this.fail(
        key,
        `must be at most ${MAX_TIMER_MS}ms (about 24 days, the longest a timer holds), got "${text}"`,
      );
    }
    return milliseconds;
  }

  /** An absolute path; the default's `<field>` placeholders take `placeholders`' values. */
  path(key: KeysOfKind<Fields, "path">, placeholders: Record<string, string> = {}): string {
    const fallback = this.spec(key, "path").default;
    const value = this.text(
      key,
      fallback === undefined ? "" : normalize(expandPlaceholders(fallback, placeholders)),
    );
    return this.absolute(key, value);
  }

  /** Like `path`, but a written `""` stays `""`: the field's feature is off (`admin.socket`). */
  pathOrOff(key: KeysOfKind<Fields, "path">, placeholders: Record<string, string> = {}): string {
    return this.table[key] === "" ? (this.take(key) as string) : this.path(key, placeholders);
  }

  /** An absolute path, or undefined when the field is absent or `""`. */
  optionalPath(key: KeysOfKind<Fields, "path">): string | undefined {
    const value = this.text(key, "");
    return value === "" ? undefined : this.absolute(key, value);
  }

  /** `path` made absolute; a path the template writes into haproxy.cfg is refused when it (as
   * resolved) could break the line it is written on. */
  private absolute(key: string, path: string): string {
    const absolute = isAbsolute(path) ? path : resolve(this.place.baseDir, path);
    if (this.spec(key, "path").rendered) this.refuse(key, pathProblem(absolute));
    return absolute;
  }

  /** Throws on any key that no reader asked for: a typo must not pass silently. */
  rejectUnknown(): void {
    for (const key of Object.keys(this.table)) {
      if (!this.used.has(key)) this.fail(key, "unknown field");
    }
  }

  /** Throws `problem` about `key` unless `ok`. */
  check(key: string, ok: boolean, problem: string): void {
    if (!ok) this.fail(key, problem);
  }
}

/** `integer` and `duration` read fields that have a default; the table is wrong otherwise. */
function noDefault(key: string): never {
  throw new Error(`defaults.ts: ${key} has no default`);
}

/** How a wrong value is named in a message: `number 5`, `string "x"`, `an array`. */
function describeValue(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "a table";
  return `${typeof value} ${typeof value === "number" ? String(value) : JSON.stringify(value)}`;
}
