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

/**
 * The answer to a request that ended with `error`: `{error: message}`, and for actions (POST)
 * `{ok: false, error}`, the same shape as their success `{ok: true, ...}`.
 */
export function answerError(error: unknown, context: Context): Response {
  const message = describeError(error);
  const body = context.req.method === "POST" ? { ok: false, error: message } : { error: message };
  return context.json(body, statusOf(error));
}
