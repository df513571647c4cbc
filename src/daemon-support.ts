// Small helpers of the composition root: a bind probe for the reconciler, and the stop signals.

import type { Logger } from "./log.ts";

/** Whether `host:port` is free to bind, tried with a listener that is closed at once. */
export function canBind(host: string, port: number): boolean {
  try {
    Bun.listen({ hostname: host, port, socket: { data() {} } }).stop(true);
    return true;
  } catch {
    return false;
  }
}

/** Resolves when SIGTERM or SIGINT arrives. */
export function untilStopSignal(log: Logger): Promise<void> {
  return new Promise((resolve) => {
    const shutdown = (signal: string) => {
      log.info("stopping", { signal });
      resolve();
    };
    process.once("SIGTERM", () => shutdown("SIGTERM"));
    process.once("SIGINT", () => shutdown("SIGINT"));
  });
}
