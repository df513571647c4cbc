// Sorted lists patched by name: a few entries replaced, inserted or removed without sorting (or
// walking) the rest, for the model built change by change. Pure.

import type { Service } from "./types.ts";

/** The first index whose name is not below `name` (the list sorted by name). */
export function findSorted<T>(sorted: readonly T[], name: string, nameOf: (item: T) => string) {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (nameOf(sorted[middle]!) < name) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The entry named `name` in a list sorted by name, or undefined. */
export function lookupSorted<T>(
  sorted: readonly T[],
  name: string,
  nameOf: (item: T) => string,
): T | undefined {
  const item = sorted[findSorted(sorted, name, nameOf)];
  return item !== undefined && nameOf(item) === name ? item : undefined;
}

/**
 * `sorted` with each entry of `updates` put in (replacing the one of the same name) or, when
 * undefined, taken out: a new list, or `sorted` itself when nothing differs. Many updates at once
 * sort `all()` (the whole new list, in any order) instead.
 */
export function patchSorted<T>(
  sorted: readonly T[],
  updates: ReadonlyMap<string, T | undefined>,
  nameOf: (item: T) => string,
  all: () => T[],
): T[] {
  if (updates.size === 0) return sorted as T[];
  if (updates.size > 64 && updates.size * 8 > sorted.length) {
    return all().sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
  }
  let next: T[] | undefined;
  for (const [name, item] of updates) {
    const list: readonly T[] = next ?? sorted;
    const index = findSorted(list, name, nameOf);
    const found = list[index] !== undefined && nameOf(list[index]!) === name;
    if (found ? list[index] === item : item === undefined) continue;
    next ??= [...sorted];
    if (item === undefined) next.splice(index, 1);
    else if (found) next[index] = item;
    else next.splice(index, 0, item);
  }
  return next ?? (sorted as T[]);
}

/** The service named `name` in a model (its services are sorted by name). */
export function lookupService(
  model: { services: readonly Service[] },
  name: string,
): Service | undefined {
  return lookupSorted(model.services, name, (service) => service.name);
}
