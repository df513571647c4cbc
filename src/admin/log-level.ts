// `GET` and `PUT /v1/log-level`: the daemon's log level, read and changed while it runs.

import type { Hono } from "hono";
import { SluiceError } from "../errors.ts";
import { isLogLevel, LOG_LEVELS, type LogLevel } from "../log.ts";
import { type AdminEnv, mutating, readAccess } from "./access.ts";

/** The log level as the admin API sees it; the daemon's logger implements it. */
export type LogLevelControl = {
  level(): LogLevel;
  setLevel(level: LogLevel): void;
};

/** The level a `PUT /v1/log-level` body asks for, or a usage error (400) saying what is allowed. */
export function requestedLevel(body: unknown): LogLevel {
  const level = (body as { level?: unknown } | null)?.level;
  if (!isLogLevel(level)) {
    throw new SluiceError(
      "usage",
      `the body must be {"level": ...} with one of ${LOG_LEVELS.join(", ")}; got ${JSON.stringify(level ?? null)}`,
    );
  }
  return level;
}

/**
 * Adds the two routes to `app`. The change lasts until the daemon restarts (the config's
 * `log_level` applies again then); `onChange` hears the new level (the event bus, when wired).
 */
export function addLogLevelRoutes(
  app: Hono<AdminEnv>,
  control: LogLevelControl,
  onChange: (level: LogLevel, previous: LogLevel) => void = () => {},
): void {
  app.get("/v1/log-level", readAccess, (context) => context.json({ level: control.level() }));
  app.put("/v1/log-level", mutating, async (context) => {
    let body: unknown;
    try {
      body = await context.req.json();
    } catch {
      throw new SluiceError("usage", 'the body must be JSON: {"level": "debug"}');
    }
    const level = requestedLevel(body);
    const previous = control.level();
    control.setLevel(level);
    onChange(level, previous);
    return context.json({ ok: true, level, previous });
  });
}
