// Registers confd's template functions and Go's text/template built-ins as Liquid filters.

import { RenderError } from "../errors.ts";
import {
  goAnd,
  goHtml,
  goIndex,
  goJs,
  goLen,
  goNot,
  goOr,
  goSlice,
  goUrlquery,
} from "./builtins.ts";
import { goEq, goGe, goGt, goLe, goLt, goNe } from "./compare.ts";
import type { DnsCache } from "./dns.ts";
import { datetime, fileExists, getenv } from "./env.ts";
import { basePath, dirPath } from "./gopath.ts";
import type { KeyStore } from "./keystore.ts";
import { add, atoi, div, mod, mul, SEQ_LIMIT, seq, sub } from "./numbers.ts";
import { sprint, sprintf, sprintln } from "./printf.ts";
import * as text from "./strings.ts";
import { formatTime, GoTime } from "./time.ts";
import { goTruth, goValue, kindOf, numberOf, sortedKeys, typeName } from "./values.ts";

/** What the functions of one render read. */
export type ConfdContext = {
  store: KeyStore;
  dns: DnsCache;
  /** getenv's variables (process.env in production). */
  env: Record<string, string | undefined>;
  /** datetime's clock. */
  now: () => Date;
};

/** The part of a Liquid engine the filters need. */
export type FilterHost = {
  // biome-ignore lint/suspicious/noExplicitAny: Liquid's filters take any values
  registerFilter(name: string, filter: (...args: any[]) => unknown): void;
};

type Filter = (context: ConfdContext, ...args: unknown[]) => unknown;

/** A Go `string` parameter: anything else is the error text/template gives. */
function str(value: unknown): string {
  if (typeof value !== "string") {
    throw new Error(`wrong type for value; expected string; got ${typeName(value)}`);
  }
  return value;
}

const strs = (values: unknown[]) => values.map(str);

/** A Go `int` parameter. */
function int(value: unknown): number {
  if (kindOf(value) !== "int") {
    throw new Error(`wrong type for value; expected int; got ${typeName(value)}`);
  }
  return numberOf(value);
}

/** Filters over the key store; their errors keep memkv's own words (`key does not exist`). */
const KEY_FILTERS: Record<string, Filter> = {
  getv: (c, key, ...fallback) => c.store.getv(str(key), ...strs(fallback)),
  getvs: (c, pattern) => c.store.getvs(str(pattern)),
  get: (c, key) => c.store.get(str(key)),
  gets: (c, pattern) => c.store.gets(str(pattern)),
  ls: (c, dir) => c.store.ls(str(dir)),
  lsdir: (c, dir) => c.store.lsdir(str(dir)),
  exists: (c, key) => c.store.exists(str(key)),
};

/** range over a list (index, element), a map (sorted keys) or an int (0..n-1); nil is empty. */
function goRange(value: unknown): { key: unknown; value: unknown }[] {
  const kind = kindOf(value);
  if (kind === "nil") return [];
  if (kind === "list")
    return (value as unknown[]).map((item, index) => ({ key: index, value: item }));
  if (kind === "map") {
    const map = value as Record<string, unknown>;
    return sortedKeys(map).map((key) => ({ key, value: map[key] }));
  }
  if (kind === "int") {
    const count = Math.min(numberOf(value), SEQ_LIMIT);
    return Array.from({ length: Math.max(count, 0) }, (_, index) => ({ key: index, value: index }));
  }
  throw new Error(`range can't iterate over ${goValue(value)}`);
}

const FUNCTION_FILTERS: Record<string, Filter> = {
  go_json: (_c, data) => text.unmarshalJsonObject(str(data)),
  jsonArray: (_c, data) => text.unmarshalJsonArray(str(data)),
  go_map: (_c, ...values) => text.createMap(...values),
  base: (_c, path) => basePath(str(path)),
  dir: (_c, path) => dirPath(str(path)),
  go_split: (_c, s, separator) => text.goSplit(str(s), str(separator)),
  go_join: (_c, list, separator) => text.goJoin(list, str(separator)),
  toUpper: (_c, s) => str(s).toUpperCase(),
  toLower: (_c, s) => str(s).toLowerCase(),
  go_replace: (_c, s, old, replacement, count) =>
    text.goReplace(str(s), str(old), str(replacement), int(count)),
  contains: (_c, s, sub) => str(s).includes(str(sub)),
  trimSuffix: (_c, s, suffix) => text.trimSuffix(str(s), str(suffix)),
  base64Encode: (_c, s) => text.base64Encode(str(s)),
  base64Decode: (_c, s) => text.base64Decode(str(s)),
  parseBool: (_c, s) => text.parseBool(str(s)),
  getenv: (c, name, ...fallback) => getenv(c.env, str(name), ...strs(fallback)),
  fileExists: (_c, path) => fileExists(str(path)),
  datetime: (c) => datetime(c.now),
  timeFormat: (_c, time, layout) => {
    if (!(time instanceof GoTime)) throw new Error(`can't call Format on ${typeName(time)}`);
    return formatTime(time, str(layout));
  },
  atoi: (_c, s) => atoi(s),
  seq: (_c, first, last) => seq(first, last),
  add: (_c, a, b) => add(a, b),
  sub: (_c, a, b) => sub(a, b),
  mul: (_c, a, b) => mul(a, b),
  div: (_c, a, b) => div(a, b),
  mod: (_c, a, b) => mod(a, b),
  go_reverse: (_c, list) => text.goReverse(list),
  sortByLength: (_c, list) => text.sortByLength(list),
  sortKVByLength: (_c, list) => text.sortKVByLength(list),
  lookupIP: (c, name) => c.dns.lookupIP(str(name)),
  lookupIPV4: (c, name) => c.dns.lookupIPV4(str(name)),
  lookupIPV6: (c, name) => c.dns.lookupIPV6(str(name)),
  lookupSRV: (c, service, proto, name) => c.dns.lookupSRV(str(service), str(proto), str(name)),
};

const BUILTIN_FILTERS: Record<string, Filter> = {
  and: (_c, first, ...rest) => goAnd(first, ...rest),
  or: (_c, first, ...rest) => goOr(first, ...rest),
  not: (_c, value) => goNot(value),
  eq: (_c, left, ...rights) => goEq(left, ...rights),
  ne: (_c, left, right) => goNe(left, right),
  lt: (_c, left, right) => goLt(left, right),
  le: (_c, left, right) => goLe(left, right),
  gt: (_c, left, right) => goGt(left, right),
  ge: (_c, left, right) => goGe(left, right),
  len: (_c, value) => goLen(value),
  index: (_c, item, ...indexes) => goIndex(item, ...indexes),
  go_slice: (_c, item, ...indexes) => goSlice(item, ...indexes),
  print: (_c, ...args) => sprint(args),
  printf: (_c, format, ...args) => sprintf(str(format), args),
  println: (_c, ...args) => sprintln(args),
  html: (_c, ...args) => goHtml(...args),
  js: (_c, ...args) => goJs(...args),
  urlquery: (_c, ...args) => goUrlquery(...args),
  truthy: (_c, value) => goTruth(value),
  go_value: (_c, value) => goValue(value),
  go_range: (_c, value) => goRange(value),
  // A call Go rejects only when it runs (a wrong argument count): converted templates fail there.
  go_fail: (_c, _input, message) => {
    throw new Error(str(message));
  },
};

/** Every filter name registerConfdFilters registers. */
export const CONFD_FILTER_NAMES: string[] = [
  ...Object.keys(KEY_FILTERS),
  ...Object.keys(FUNCTION_FILTERS),
  ...Object.keys(BUILTIN_FILTERS),
];

function register(
  engine: FilterHost,
  filters: Record<string, Filter>,
  context: () => ConfdContext,
  prefixed: boolean,
): void {
  for (const [name, filter] of Object.entries(filters)) {
    engine.registerFilter(name, (...args: unknown[]) => {
      try {
        return filter(context(), ...args);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new RenderError(
          prefixed && name !== "go_fail" ? `error calling ${name}: ${message}` : message,
          {
            cause: error,
          },
        );
      }
    });
  }
}

/** A filter application of a DNS lookup (`| lookupIP`, `| lookupSRV: …`): a word in a comment
 * or a string is not one. */
const DNS_FILTER = /\|\s*lookup(?:IP|IPV4|IPV6|SRV)\b/;

/** Whether `source` looks names up in DNS: its answers live in the process that renders. */
export function usesDnsLookups(source: string): boolean {
  return DNS_FILTER.test(source);
}

/**
 * Registers confd's functions (getv, getvs, ls, json, printf, eq, ...) on `engine`; each call
 * reads the store, DNS cache, environment and clock of `context()`. Errors are RenderErrors:
 * key lookups say `key does not exist: <key>`, the others `error calling <name>: <why>`.
 */
export function registerConfdFilters(engine: FilterHost, context: () => ConfdContext): void {
  register(engine, KEY_FILTERS, context, false);
  register(engine, FUNCTION_FILTERS, context, true);
  register(engine, BUILTIN_FILTERS, context, true);
}
