// The keys templates look up: their entry type, and the glob their patterns use. The lookups
// themselves are confd's key store (src/confd/keystore.ts).

import { patternRegExp } from "../confd/gopath.ts";
import type { StoreEntry } from "../confd/keystore.ts";

/** A key as templates see it: accepted registrations in the seed form, or a raw value. */
export type TemplateEntry = StoreEntry;

/** Go `path.Match` glob as a RegExp: `*` and `?` never cross `/`, `[...]` classes. Throws
 * BadPatternError for a malformed pattern. */
export function globToRegExp(pattern: string): RegExp {
  return patternRegExp(pattern);
}
