// confd-style lookups over the raw keys (getv, getvs, gets, ls, exists), for templates. Pure.

import type { KeyValue } from "../model/types.ts";

/** A key as templates see it: accepted registrations only, value in the seed form. */
export type TemplateEntry = { key: string; value: string };

/** Go `path.Match`-style glob: `*` and `?` never cross `/`. */
export function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (const char of pattern) {
    if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

export type Lookups = {
  getv(key: string, fallback?: string): string;
  getvs(pattern: string): string[];
  gets(pattern: string): KeyValue[];
  ls(dir: string): string[];
  exists(key: string): boolean;
};

/** Lookups over `entries`, sorted by key. */
export function createLookups(entries: TemplateEntry[]): Lookups {
  const sorted = [...entries].sort((a, b) => (a.key < b.key ? -1 : 1));
  const byKey = new Map(sorted.map((e) => [e.key, e.value]));
  const matching = (pattern: string) => {
    const regexp = globToRegExp(pattern);
    return sorted.filter((e) => regexp.test(e.key));
  };
  return {
    getv: (key, fallback = "") => byKey.get(key) ?? fallback,
    getvs: (pattern) => matching(pattern).map((e) => e.value),
    gets: (pattern) => matching(pattern).map((e) => ({ key: e.key, value: e.value })),
    ls: (dir) => {
      const base = dir.endsWith("/") ? dir : `${dir}/`;
      const names = new Set<string>();
      for (const e of sorted) {
        if (e.key.startsWith(base)) names.add(e.key.slice(base.length).split("/")[0]!);
      }
      return [...names];
    },
    exists: (key) => byKey.has(key),
  };
}
