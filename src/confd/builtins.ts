// Go text/template's built-in functions besides comparison: and, or, not, len, index, slice,
// html, js, urlquery. Pure.

import { sprint } from "./printf.ts";
import { goTruth, isGoMap, kindOf, numberOf, typeName } from "./values.ts";

/** Go's and: the first false argument, else the last. */
export function goAnd(first: unknown, ...rest: unknown[]): unknown {
  for (const value of [first, ...rest]) if (!goTruth(value)) return value;
  return rest.length > 0 ? rest[rest.length - 1] : first;
}

/** Go's or: the first true argument, else the last. */
export function goOr(first: unknown, ...rest: unknown[]): unknown {
  for (const value of [first, ...rest]) if (goTruth(value)) return value;
  return rest.length > 0 ? rest[rest.length - 1] : first;
}

/** Go's not. */
export function goNot(value: unknown): boolean {
  return !goTruth(value);
}

/** Go's len: bytes of a string, elements of a list, entries of a map. */
export function goLen(value: unknown): number {
  const kind = kindOf(value);
  if (kind === "string") return Buffer.byteLength(value as string, "utf8");
  if (kind === "list") return (value as unknown[]).length;
  if (kind === "map") return Object.keys(value as object).length;
  if (kind === "nil") throw new Error("len of nil pointer");
  throw new Error(`len of type ${typeName(value)}`);
}

function intIndex(index: unknown, length: number, what: string): number {
  if (kindOf(index) !== "int") throw new Error(`cannot index ${what} with type ${typeName(index)}`);
  const n = numberOf(index);
  if (n < 0 || n >= length) throw new Error(`index out of range: ${n}`);
  return n;
}

/** Go's index: `item[k1][k2]...`; a missing map key gives nil, a string index a byte. */
export function goIndex(item: unknown, ...indexes: unknown[]): unknown {
  if (item === null || item === undefined) throw new Error("index of untyped nil");
  let current: unknown = item;
  for (const index of indexes) {
    const kind = kindOf(current);
    if (kind === "nil") throw new Error("index of nil pointer");
    if (kind === "list") {
      const list = current as unknown[];
      current = list[intIndex(index, list.length, "slice")];
    } else if (kind === "string") {
      const bytes = Buffer.from(current as string, "utf8");
      current = bytes[intIndex(index, bytes.length, "string")];
    } else if (isGoMap(current)) {
      if (typeof index !== "string") {
        throw new Error(`value has type ${typeName(index)}; should be string`);
      }
      current = Object.hasOwn(current, index) ? current[index] : undefined;
    } else throw new Error(`can't index item of type ${typeName(current)}`);
  }
  return current;
}

/** Go's slice: `item[i:j]` or `item[i:j:k]` of a list, or bytes of a string. */
export function goSlice(item: unknown, ...indexes: unknown[]): unknown {
  const kind = kindOf(item);
  if (kind === "nil") throw new Error("slice of untyped nil");
  if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
  if (kind !== "list" && kind !== "string") {
    throw new Error(`can't slice item of type ${typeName(item)}`);
  }
  if (kind === "string" && indexes.length === 3) throw new Error("cannot 3-index slice a string");
  const bytes = kind === "string" ? Buffer.from(item as string, "utf8") : undefined;
  const length = bytes ? bytes.length : (item as unknown[]).length;
  const bounds = [0, length];
  indexes.forEach((index, at) => {
    if (kindOf(index) !== "int")
      throw new Error(`cannot index slice/array with type ${typeName(index)}`);
    const n = numberOf(index);
    if (n < 0 || n > length) throw new Error(`index out of range: ${n}`);
    bounds[at] = n;
  });
  if (bounds[0]! > bounds[1]!) throw new Error(`invalid slice index: ${bounds[0]} > ${bounds[1]}`);
  if (indexes.length === 3 && bounds[1]! > bounds[2]!) {
    throw new Error(`invalid slice index: ${bounds[1]} > ${bounds[2]}`);
  }
  if (bytes) return bytes.subarray(bounds[0], bounds[1]).toString("utf8");
  return (item as unknown[]).slice(bounds[0], bounds[1]);
}

/** text/template's evalArgs: one string argument as is, else fmt.Sprint of all. */
function argumentText(args: unknown[]): string {
  return args.length === 1 && typeof args[0] === "string" ? args[0] : sprint(args);
}

const HTML_ESCAPES: Record<string, string> = {
  "\0": "\uFFFD",
  '"': "&#34;",
  "'": "&#39;",
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
};

/** Go's html: text/template.HTMLEscapeString of its arguments. */
export function goHtml(...args: unknown[]): string {
  return argumentText(args).replace(/[\0"'&<>]/g, (char) => HTML_ESCAPES[char]!);
}

const JS_ESCAPES: Record<string, string> = {
  "\\": "\\\\",
  "'": "\\'",
  '"': '\\"',
  "<": "\\u003C",
  ">": "\\u003E",
  "&": "\\u0026",
  "=": "\\u003D",
};

/** Go's js: text/template.JSEscapeString of its arguments. */
export function goJs(...args: unknown[]): string {
  let out = "";
  for (const char of argumentText(args)) {
    const code = char.codePointAt(0)!;
    const escaped = JS_ESCAPES[char];
    if (escaped) out += escaped;
    else if (code < 0x20) out += `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
    else if (code < 0x80 || /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(char)) out += char;
    else out += `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
  }
  return out;
}

/** Go's urlquery: url.QueryEscape of its arguments (space is `+`). */
export function goUrlquery(...args: unknown[]): string {
  let out = "";
  for (const byte of Buffer.from(argumentText(args), "utf8")) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(char)) out += char;
    else if (char === " ") out += "+";
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
