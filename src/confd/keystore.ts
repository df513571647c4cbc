// The key store of one render, with confd's memkv semantics (get, getv, getvs, gets, ls, lsdir,
// exists). Pure.

import { RenderError } from "../errors.ts";
import { basePath, cleanPath, dirPath, patternRegExp } from "./gopath.ts";
import { compareStrings, KVPair } from "./values.ts";

/** A raw key and its value, as a template's lookups see it. */
export type StoreEntry = { key: string; value: string };

/** Lookups over one snapshot of keys; the functions of confd's templates. */
export type KeyStore = {
  /** The pair at `key`; throws `key does not exist: <key>`. */
  get(key: string): KVPair;
  /** The value at `key`, else the first fallback when given, else throws like get. */
  getv(key: string, ...fallback: string[]): string;
  /** Values of the keys matching the glob, sorted by value. */
  getvs(pattern: string): string[];
  /** Pairs whose key matches the glob, sorted by key. */
  gets(pattern: string): KVPair[];
  /** Names directly under `dir` (memkv List), sorted. */
  ls(dir: string): string[];
  /** Names of the directories directly under `dir` (memkv ListDir), sorted. */
  lsdir(dir: string): string[];
  /** Whether `key` is a key (a leaf) of the store. */
  exists(key: string): boolean;
};

function terms(path: string): string[] {
  return cleanPath(path).split("/");
}

function startsWithTerms(prefix: string[], test: string[]): boolean {
  return test.length >= prefix.length && prefix.every((term, index) => test[index] === term);
}

function stripKey(key: string, prefix: string): string {
  const rest = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  return rest.startsWith("/") ? rest.slice(1) : rest;
}

function matching(pairs: KVPair[], pattern: string): KVPair[] {
  let regexp: RegExp;
  try {
    regexp = patternRegExp(pattern);
  } catch (error) {
    throw new RenderError((error as Error).message);
  }
  return pairs.filter((pair) => regexp.test(pair.Key));
}

function listNames(pairs: KVPair[], dir: string): string[] {
  const prefix = terms(dir);
  const names = new Set<string>();
  for (const { Key } of pairs) {
    if (Key === dir) names.add(basePath(Key));
    else if (startsWithTerms(prefix, terms(dirPath(Key)))) {
      names.add(stripKey(Key, dir).split("/")[0]!);
    }
  }
  return [...names].sort(compareStrings);
}

function listDirs(pairs: KVPair[], dir: string): string[] {
  const prefix = terms(dir);
  const names = new Set<string>();
  for (const { Key } of pairs) {
    if (!Key.startsWith(dir)) continue;
    const items = terms(dirPath(Key));
    if (startsWithTerms(prefix, items) && items.length > prefix.length) {
      names.add(items[prefix.length]!);
    }
  }
  return [...names].sort(compareStrings);
}

/** A key store over `entries`; a later entry of the same key replaces an earlier one. */
export function createKeyStore(entries: StoreEntry[]): KeyStore {
  const byKey = new Map<string, KVPair>();
  for (const entry of entries) byKey.set(entry.key, new KVPair(entry.key, entry.value));
  const pairs = [...byKey.values()].sort((a, b) => compareStrings(a.Key, b.Key));
  const get = (key: string): KVPair => {
    const pair = byKey.get(key);
    if (!pair) throw new RenderError(`key does not exist: ${key}`);
    return pair;
  };
  return {
    get,
    getv: (key, ...fallback) => {
      const pair = byKey.get(key);
      if (pair) return pair.Value;
      if (fallback.length > 0) return fallback[0]!;
      return get(key).Value;
    },
    getvs: (pattern) =>
      matching(pairs, pattern)
        .map((pair) => pair.Value)
        .sort(compareStrings),
    gets: (pattern) => matching(pairs, pattern),
    ls: (dir) => listNames(pairs, dir),
    lsdir: (dir) => listDirs(pairs, dir),
    exists: (key) => byKey.has(key),
  };
}
