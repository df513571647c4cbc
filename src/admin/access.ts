// Who may call the admin API: the listener a request came through (listen.ts tells it), the
// bearer token, the browser's Origin, the Host, the body's type and size. Every route uses one of
// the middlewares here: `mutating` on POST/PUT/DELETE, `readAccess` on GETs.

import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { isLoopbackHost } from "../config/grammar.ts";
import { SluiceError } from "../errors.ts";
import { bearerToken, sameToken } from "./bearer-token.ts";

/** The listener a request came through: the unix socket, or TCP on a loopback address or not. */
export type AdminBindings = { transport: "unix" | "tcp"; loopback: boolean };

/** The admin app's Hono environment: the listener, and the configured token (`accessControl`). */
export type AdminEnv = {
  Bindings: AdminBindings;
  Variables: { adminToken: string | undefined };
};

/** The largest request body the admin API takes; larger answers 413. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A request from an unknown listener (`app.request()` without bindings) counts as TCP loopback,
 * the default listener: reads are open, mutations need the token. */
const DEFAULT_LISTENER: AdminBindings = { transport: "tcp", loopback: true };

/** What a mutating call over TCP is told when no token is configured: how to configure one. */
export const NO_TOKEN_MESSAGE =
  "mutating calls over TCP need a bearer token and none is configured: set " +
  '[admin] token_file = "/etc/sluice/admin.token" in sluice.toml (create it with ' +
  "`openssl rand -hex 32 | sudo tee /etc/sluice/admin.token`, then " +
  "`sudo chown root:sluice /etc/sluice/admin.token && sudo chmod 0640 /etc/sluice/admin.token`) " +
  "and restart sluice; or call through the unix socket, which needs no token (lbctl uses it)";

/** The listener of `context`'s request. */
export function listenerOf(context: Context<AdminEnv>): AdminBindings {
  const env = context.env as Partial<AdminBindings> | undefined;
  return env?.transport
    ? { transport: env.transport, loopback: env.loopback === true }
    : DEFAULT_LISTENER;
}

/** App-wide: makes the configured token (asked at every request) known to the guards. */
export function accessControl(token: () => string | undefined): MiddlewareHandler<AdminEnv> {
  return async (context, next) => {
    context.set("adminToken", token());
    await next();
  };
}

/** Throws unless the request carries the configured token (none configured: always throws). */
function requireToken(context: Context<AdminEnv>, refusal: SluiceError): void {
  const expected = context.get("adminToken");
  if (expected === undefined) throw refusal;
  const given = bearerToken(context.req.header("authorization"));
  if (given.kind === "missing") {
    throw new SluiceError(
      "unauthorized",
      "this call needs Authorization: Bearer <token>, the token in [admin] token_file",
    );
  }
  // The message never repeats what was sent: a near miss is not echoed to whoever sent it.
  if (!sameToken(given.token, expected)) throw new SluiceError("forbidden", "wrong bearer token");
}

/** On a loopback listener the Host must be a loopback name: a web page whose name an attacker
 * re-pointed at 127.0.0.1 (DNS rebinding) sends its own name as Host, and is refused. */
function requireLoopbackHost(context: Context<AdminEnv>, listener: AdminBindings): void {
  if (listener.transport !== "tcp" || !listener.loopback) return;
  const { hostname } = new URL(context.req.url);
  if (!isLoopbackHost(hostname.replace(/^\[|\]$/g, ""))) {
    throw new SluiceError(
      "forbidden_host",
      `this listener is on loopback and answers only to a loopback Host (localhost, 127.0.0.1, [::1]), not ${JSON.stringify(hostname.slice(0, 100))}`,
    );
  }
}

/** A browser's request from another origin is refused; same-origin (the status page) passes. */
function requireSameOrigin(context: Context<AdminEnv>): void {
  const origin = context.req.header("origin");
  if (origin === undefined || origin === new URL(context.req.url).origin) return;
  throw new SluiceError(
    "forbidden_origin",
    `a call from a web page of another origin (${JSON.stringify(origin.slice(0, 100))}) is refused: the admin API answers only its own origin, and lbctl or curl send none`,
  );
}

/** A body, or any content type, must be `application/json`: the CORS "simple" types
 * (text/plain, forms) that a page may send anywhere without asking are refused. An empty body
 * with no content type passes: actions without parameters (lbctl reload) send nothing. */
function requireJsonBody(context: Context<AdminEnv>): void {
  const type = context.req.header("content-type");
  const length = context.req.header("content-length");
  const hasBody = context.req.raw.body !== null && length !== "0";
  if (type === undefined && !hasBody) return;
  const mediaType = (type ?? "").split(";")[0]?.trim().toLowerCase();
  if (mediaType === "application/json") return;
  throw new SluiceError(
    "unsupported_media_type",
    `a request body must be application/json, got ${type === undefined ? "no content-type" : JSON.stringify(type.slice(0, 100))}`,
  );
}

const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new SluiceError("too_large", `the request body is larger than ${MAX_BODY_BYTES} bytes`);
  },
});

/**
 * The guard of every mutating route (POST, PUT, DELETE), in this order: a loopback listener's
 * Host, the Origin (403 forbidden_origin), the token (over TCP: none configured 403
 * no_token_configured, none sent 401, a wrong one 403; the unix socket needs none: its file mode
 * guards it), the content type (415), the body size (413).
 */
export const mutating: MiddlewareHandler<AdminEnv> = async (context, next) => {
  const listener = listenerOf(context);
  requireLoopbackHost(context, listener);
  requireSameOrigin(context);
  if (listener.transport === "tcp") {
    requireToken(context, new SluiceError("no_token_configured", NO_TOKEN_MESSAGE));
  }
  requireJsonBody(context);
  return limitBody(context, next);
};

/**
 * The guard of every read (GET): a loopback listener's Host; on a TCP listener that is not on
 * loopback, the token too (what is read names every backend and the dynamic-cookie-key).
 */
export const readAccess: MiddlewareHandler<AdminEnv> = async (context, next) => {
  const listener = listenerOf(context);
  requireLoopbackHost(context, listener);
  if (listener.transport === "tcp" && !listener.loopback) {
    requireToken(
      context,
      new SluiceError("no_token_configured", "reads on a non-loopback listener need a token"),
    );
  }
  await next();
};
