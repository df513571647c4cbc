// How the admin API answers an error: the status from the SluiceError's code, the message as JSON.

import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { describeError, SluiceError } from "../errors.ts";

/** The status an error ends a request with: a SluiceError's own, Hono's, else 500. */
function statusOf(error: unknown): ContentfulStatusCode {
  if (error instanceof SluiceError) return error.httpStatus as ContentfulStatusCode;
  if (error instanceof HTTPException) return error.status as ContentfulStatusCode;
  return 500;
}

/** The stable `code` of an error's answer: a SluiceError's own, else `http_<status>`/`internal`. */
function codeOf(error: unknown): string {
  if (error instanceof SluiceError) return error.code;
  if (error instanceof HTTPException) return `http_${error.status}`;
  return "internal";
}

/**
 * The answer to a request that ended with `error`: `{error: message, code}`, and for actions
 * (POST) `{ok: false, error, code}`, the same shape as their success `{ok: true, ...}`. A 401
 * says which scheme it wants (`WWW-Authenticate: Bearer`).
 */
export function answerError(error: unknown, context: Context): Response {
  const message = describeError(error);
  const code = codeOf(error);
  const body =
    context.req.method === "POST" ? { ok: false, error: message, code } : { error: message, code };
  const status = statusOf(error);
  if (status === 401) context.header("www-authenticate", 'Bearer realm="sluice"');
  return context.json(body, status);
}
