// The admin bearer token in a request: read from `Authorization`, compared in constant time.

import { createHash, timingSafeEqual } from "node:crypto";

/** What a request's `Authorization` header holds: no bearer token, or one (never logged). */
export type BearerToken = { kind: "missing" } | { kind: "given"; token: string };

/** The bearer token of an `Authorization` header (scheme case-insensitive, RFC 9110). */
export function bearerToken(header: string | undefined): BearerToken {
  const match = /^bearer[ \t]+(\S.*)$/i.exec(header?.trim() ?? "");
  return match?.[1] ? { kind: "given", token: match[1].trim() } : { kind: "missing" };
}

/**
 * Whether `given` is `expected`, in constant time: both are hashed to SHA-256 first, so neither
 * the comparison's time nor a length check tells how much of a guess matched, or how long the
 * token is.
 */
export function sameToken(given: string, expected: string): boolean {
  const digest = (text: string) => createHash("sha256").update(text, "utf8").digest();
  return timingSafeEqual(digest(given), digest(expected));
}
