// `POST /v1/services/NAME/backends/SERVER/{drain,ready,maint}`: the operator actions.

import type { Hono, MiddlewareHandler } from "hono";
import type { BackendActionResult } from "./operator.ts";
import type { BackendAction } from "./store.ts";

export type BackendActionHandler = (
  service: string,
  backend: string,
  action: BackendAction,
) => Promise<BackendActionResult>;

/** Adds the actions to `app`; `mutating` guards them like every other mutation. */
export function addBackendActionRoutes(
  app: Hono,
  mutating: MiddlewareHandler,
  act: BackendActionHandler,
): void {
  app.post(
    "/v1/services/:name/backends/:backend/:action{drain|ready|maint}",
    mutating,
    async (c) => {
      const action = c.req.param("action") as BackendAction;
      return c.json(await act(c.req.param("name"), c.req.param("backend"), action));
    },
  );
}
