// The admin API's listeners: the TCP address and the unix socket of `[admin]`, as a lifecycle part.

import { mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import type { AdminConfig } from "../config/schema.ts";
import type { Part } from "../lifecycle.ts";

/** Splits `host:port` (a bracketed IPv6 host too). */
function splitListen(listen: string): { hostname: string; port: number } {
  const at = listen.lastIndexOf(":");
  return {
    hostname: listen.slice(0, at).replace(/^\[|\]$/g, ""),
    port: Number(listen.slice(at + 1)),
  };
}

export function createAdminListeners(
  admin: AdminConfig,
  fetch: (request: Request) => Response | Promise<Response>,
): Part {
  const servers: ReturnType<typeof Bun.serve>[] = [];
  return {
    name: "admin API",
    start() {
      if (admin.listen) servers.push(Bun.serve({ ...splitListen(admin.listen), fetch }));
      if (admin.socket) {
        mkdirSync(dirname(admin.socket), { recursive: true });
        rmSync(admin.socket, { force: true });
        servers.push(Bun.serve({ unix: admin.socket, fetch }));
      }
    },
    stop() {
      for (const server of servers.splice(0)) server.stop(true);
      if (admin.socket) rmSync(admin.socket, { force: true });
    },
  };
}
