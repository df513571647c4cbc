// The bearer-token guard of mutating admin endpoints, as a Hono middleware.

import { timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { SluiceError } from "../errors.ts";

/**
 * Lets a request through when `token()` is undefined (none configured) or the request carries
 * `Authorization: Bearer <token>`; otherwise throws an `unauthorized` SluiceError (401).
 * `token` is asked at every request, so a caller may change it.
 */
export function requireBearerToken(token: () => string | undefined): MiddlewareHandler {
  return async (context, next) => {
    const expected = token();
    if (
      expected !== undefined &&
      !sameText(context.req.header("authorization"), `Bearer ${expected}`)
    ) {
      throw new SluiceError("unauthorized", "missing or wrong bearer token");
    }
    await next();
  };
}

/** Compares in constant time, so the answer's timing does not tell how much of a guess matched. */
function sameText(given: string | undefined, expected: string): boolean {
  const givenBytes = Buffer.from(given ?? "");
  const expectedBytes = Buffer.from(expected);
  return givenBytes.length === expectedBytes.length && timingSafeEqual(givenBytes, expectedBytes);
}
