// confd's string functions (Go strings, path, base64, strconv.ParseBool, json). Pure.

import { formatValue, type KVPair, kindOf, parseGoJson } from "./values.ts";

/** Go's strings.Split: keeps empty parts; an empty separator splits into characters. */
export function goSplit(text: string, separator: string): string[] {
  return separator === "" ? [...text] : text.split(separator);
}

/** Go's strings.Join of a list (elements printed as `%v`). */
export function goJoin(list: unknown, separator: string): string {
  if (!Array.isArray(list)) throw new Error(`join of ${kindOf(list)}: expected a list`);
  return list.map((item) => (typeof item === "string" ? item : formatValue(item))).join(separator);
}

/** Go's strings.Replace: the first `count` (all when negative) `old` become `replacement`. */
export function goReplace(text: string, old: string, replacement: string, count: number): string {
  if (count === 0 || old === replacement) return text;
  const limit = count < 0 ? Number.POSITIVE_INFINITY : count;
  let out = "";
  let done = 0;
  if (old === "") {
    const chars = [...text];
    for (let i = 0; i <= chars.length; i++) {
      if (done < limit) {
        out += replacement;
        done++;
      }
      out += chars[i] ?? "";
    }
    return out;
  }
  let at = 0;
  while (done < limit) {
    const found = text.indexOf(old, at);
    if (found < 0) break;
    out += text.slice(at, found) + replacement;
    at = found + old.length;
    done++;
  }
  return out + text.slice(at);
}

/** Go's strings.TrimSuffix. */
export function trimSuffix(text: string, suffix: string): string {
  return suffix !== "" && text.endsWith(suffix) ? text.slice(0, -suffix.length) : text;
}

/** Go's base64.StdEncoding.EncodeToString of the UTF-8 bytes. */
export function base64Encode(text: string): string {
  return Buffer.from(text, "utf8").toString("base64");
}

/** Go's base64.StdEncoding.DecodeString (padding required; CR and LF ignored). */
export function base64Decode(text: string): string {
  const data = text.replace(/[\r\n]/g, "");
  const bad = /[^A-Za-z0-9+/=]/.exec(data);
  if (bad) throw new Error(`illegal base64 data at input byte ${bad.index}`);
  const padding = data.indexOf("=");
  if (
    data.length % 4 !== 0 ||
    (padding >= 0 && (padding < data.length - 2 || /[^=]/.test(data.slice(padding))))
  ) {
    throw new Error(
      `illegal base64 data at input byte ${Math.max(padding, data.length - (data.length % 4))}`,
    );
  }
  return Buffer.from(data, "base64").toString("utf8");
}

const TRUE_WORDS = ["1", "t", "T", "TRUE", "true", "True"];
const FALSE_WORDS = ["0", "f", "F", "FALSE", "false", "False"];

/** Go's strconv.ParseBool. */
export function parseBool(text: string): boolean {
  if (TRUE_WORDS.includes(text)) return true;
  if (FALSE_WORDS.includes(text)) return false;
  throw new Error(`strconv.ParseBool: parsing ${JSON.stringify(text)}: invalid syntax`);
}

/** confd's json: a JSON object as a map (numbers as float64); `null` is a nil map. */
export function unmarshalJsonObject(text: string): Record<string, unknown> | undefined {
  const value = parseGoJson(text);
  if (value === null) return undefined;
  if (kindOf(value) !== "map") {
    throw new Error(`json: cannot unmarshal ${kindOf(value)} into a map`);
  }
  return value as Record<string, unknown>;
}

/** confd's jsonArray: a JSON array as a list (numbers as float64); `null` is an empty list. */
export function unmarshalJsonArray(text: string): unknown[] {
  const value = parseGoJson(text);
  if (value === null) return [];
  if (!Array.isArray(value)) throw new Error(`json: cannot unmarshal ${kindOf(value)} into a list`);
  return value;
}

/** confd's map: keys and values in turn, keys strings. */
export function createMap(...values: unknown[]): Record<string, unknown> {
  if (values.length % 2 !== 0) throw new Error("invalid map call");
  const pairs: [string, unknown][] = [];
  for (let i = 0; i < values.length; i += 2) {
    const key = values[i];
    if (typeof key !== "string") throw new Error("map keys must be strings");
    pairs.push([key, values[i + 1]]);
  }
  return Object.fromEntries(pairs);
}

/** confd's sortByLength: strings by length, stable. */
export function sortByLength(list: unknown): string[] {
  if (!Array.isArray(list)) throw new Error("sortByLength: expected a list of strings");
  return [...(list as string[])].sort((a, b) => Buffer.byteLength(a) - Buffer.byteLength(b));
}

/** confd's sortKVByLength: KVPairs by key length, stable. */
export function sortKVByLength(list: unknown): KVPair[] {
  if (!Array.isArray(list)) throw new Error("sortKVByLength: expected a list of KVPairs");
  return [...(list as KVPair[])].sort(
    (a, b) => Buffer.byteLength(a.Key) - Buffer.byteLength(b.Key),
  );
}

/** confd's reverse: a reversed copy of a list. */
export function goReverse(list: unknown): unknown {
  return Array.isArray(list) ? [...list].reverse() : list;
}
