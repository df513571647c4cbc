// The part every admin API shares: access control, one error handler, the 404 answer and the
// liveness probe, which stays open on every listener.

import { Hono } from "hono";
import { SluiceError } from "../errors.ts";
import { type AdminEnv, accessControl } from "./access.ts";
import { answerError } from "./error-response.ts";

/** A Hono app guarded by `token()` (access.ts), answering errors as SluiceErrors, with `/healthz`. */
export function createBaseAdminApp(token: () => string | undefined): Hono<AdminEnv> {
  const app = new Hono<AdminEnv>();
  app.use(accessControl(token));
  app.onError((error, context) => answerError(error, context));
  app.notFound((context) =>
    answerError(
      new SluiceError("not_found", `no such endpoint: ${context.req.method} ${context.req.path}`),
      context,
    ),
  );
  // A load balancer in front checks the probe without a token.
  app.get("/healthz", (context) => context.text("ok\n"));
  return app;
}
