// The admin API's listeners: the TCP address and the unix socket of `[admin]`, as a lifecycle part.

import { chmodSync, existsSync, mkdirSync, rmSync } from "node:fs";
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

/** The admin API's listeners; `restoreSocket` serves the unix socket again if it was removed. */
export function createAdminListeners(
  admin: AdminConfig,
  fetch: (request: Request) => Response | Promise<Response>,
): Part & { restoreSocket(): void } {
  const servers: ReturnType<typeof Bun.serve>[] = [];
  let unixServer: ReturnType<typeof Bun.serve> | undefined;
  const serveSocket = (socket: string) => {
    mkdirSync(dirname(socket), { recursive: true });
    rmSync(socket, { force: true });
    unixServer = Bun.serve({ unix: socket, fetch });
    // Like HAProxy's and Docker's sockets: the owner and its group (`sluice`) may connect, and
    // connecting needs write permission, which the unit's UMask=0027 would take from the group.
    chmodSync(socket, 0o660);
  };
  return {
    name: "admin API",
    start() {
      if (admin.listen) servers.push(Bun.serve({ ...splitListen(admin.listen), fetch }));
      if (admin.socket) serveSocket(admin.socket);
    },
    restoreSocket() {
      if (!unixServer || !admin.socket || existsSync(admin.socket)) return;
      unixServer.stop(true);
      serveSocket(admin.socket);
    },
    stop() {
      for (const server of servers.splice(0)) server.stop(true);
      unixServer?.stop(true);
      unixServer = undefined;
      if (admin.socket) rmSync(admin.socket, { force: true });
    },
  };
}
