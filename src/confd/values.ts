// Go values as confd templates see them: float64, KVPair, kinds, truth and `%v` printing.

import { formatFloat } from "./float.ts";

/** A Go float64 (a JSON number): prints as Go's `%v`, computes as its number. */
export class GoFloat {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
  valueOf(): number {
    return this.value;
  }
  toString(): string {
    return formatFloat(this.value, "g", -1);
  }
  toJSON(): number {
    return this.value;
  }
  // Liquid's own operators (`==`, `<`, ...) compare through these, so a JSON number compares
  // with a Liquid number as its value.
  equals(other: unknown): boolean {
    return (typeof other === "number" || other instanceof GoFloat) && this.value === Number(other);
  }
  gt(other: unknown): boolean {
    return this.value > Number(other);
  }
  geq(other: unknown): boolean {
    return this.value >= Number(other);
  }
  lt(other: unknown): boolean {
    return this.value < Number(other);
  }
  leq(other: unknown): boolean {
    return this.value <= Number(other);
  }
}

/** memkv's KVPair; the lowercase fields are sluice's older names for the same two. */
export class KVPair {
  readonly Key: string;
  readonly Value: string;
  readonly key: string;
  readonly value: string;
  constructor(key: string, value: string) {
    this.Key = key;
    this.Value = value;
    this.key = key;
    this.value = value;
  }
}

/** A value with Go struct fields, printed `{f1 f2 ...}` (KVPair, SRV records, times). */
export interface GoStruct {
  goFields(): [name: string, value: unknown][];
  /** Go's name of the type (`time.Time`), shown by `%T` and in fmt's error texts. */
  goType(): string;
}

/** Go's kinds, as far as templates can tell them apart. */
export type GoKind = "nil" | "bool" | "int" | "float" | "string" | "list" | "map" | "struct";

function isStruct(value: object): value is GoStruct {
  return typeof (value as Partial<GoStruct>).goFields === "function";
}

/** Whether `value` is a plain object (a Go map). */
export function isGoMap(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** The Go kind of a template value: whole JS numbers are ints, other numbers float64. */
export function kindOf(value: unknown): GoKind {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "bigint") return "int";
  if (typeof value === "string") return "string";
  if (value instanceof GoFloat) return "float";
  if (Array.isArray(value)) return "list";
  if (value instanceof KVPair) return "struct";
  if (typeof value === "object" && isStruct(value)) return "struct";
  return "map";
}

/** The Go type name fmt shows in `%!d(type=value)`. */
export function typeName(value: unknown): string {
  if (value instanceof KVPair) return "memkv.KVPair";
  const kind = kindOf(value);
  if (kind === "struct") return (value as GoStruct).goType();
  const names: Record<GoKind, string> = {
    nil: "<nil>",
    bool: "bool",
    int: "int",
    float: "float64",
    string: "string",
    list: "[]interface {}",
    map: "map[string]interface {}",
    struct: "struct",
  };
  return names[kind];
}

/** The fields of a struct value, in declaration order. */
export function structFields(value: unknown): [string, unknown][] {
  if (value instanceof KVPair) {
    return [
      ["Key", value.Key],
      ["Value", value.Value],
    ];
  }
  return (value as GoStruct).goFields();
}

/** The number in an int or float value. */
export function numberOf(value: unknown): number {
  return value instanceof GoFloat ? value.value : Number(value);
}

/** Go's text/template truth: false, 0, nil, "" and empty lists and maps are false. */
export function goTruth(value: unknown): boolean {
  switch (kindOf(value)) {
    case "nil":
      return false;
    case "bool":
      return value as boolean;
    case "int":
    case "float":
      return numberOf(value) !== 0;
    case "string":
      return (value as string).length > 0;
    case "list":
      return (value as unknown[]).length > 0;
    case "map":
      return Object.keys(value as object).length > 0;
    default:
      return true;
  }
}

const isSurrogate = (unit: number) => unit >= 0xd800 && unit <= 0xdfff;

/** Compares strings by code point, which is UTF-8 byte order (Go's string order). UTF-16
 * units order the same, except that a surrogate (a character above U+FFFF) sorts after every
 * other unit. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const left = a.charCodeAt(i);
    const right = b.charCodeAt(i);
    if (left === right) continue;
    if (isSurrogate(left) !== isSurrogate(right)) return isSurrogate(left) ? 1 : -1;
    return left - right;
  }
  return a.length - b.length;
}

/** The keys of a map value, sorted as Go's fmt and range sort them. */
export function sortedKeys(map: object): string[] {
  return Object.keys(map).sort(compareStrings);
}

/** How Go's `%v` prints a value (fmt.Sprint of one operand). */
export function formatValue(value: unknown): string {
  switch (kindOf(value)) {
    case "nil":
      return "<nil>";
    case "float":
      return formatFloat(numberOf(value), "g", -1);
    case "list":
      return `[${(value as unknown[]).map(formatValue).join(" ")}]`;
    case "map": {
      const map = value as Record<string, unknown>;
      return `map[${sortedKeys(map)
        .map((key) => `${key}:${formatValue(map[key])}`)
        .join(" ")}]`;
    }
    case "struct":
      if (typeof (value as { goString?: unknown }).goString === "function") {
        return (value as { goString(): string }).goString();
      }
      return `{${structFields(value)
        .map(([, field]) => formatValue(field))
        .join(" ")}}`;
    default:
      return String(value);
  }
}

/** How text/template prints an action's value: nil or missing is `<no value>`. */
export function goValue(value: unknown): string {
  return value === null || value === undefined ? "<no value>" : formatValue(value);
}

/** Parses JSON as Go's encoding/json into interface{}: numbers become float64. */
export function parseGoJson(text: string): unknown {
  try {
    return JSON.parse(text, (_key, value) =>
      typeof value === "number" ? new GoFloat(value) : value,
    );
  } catch (error) {
    throw new Error(`invalid JSON: ${(error as Error).message}`);
  }
}
