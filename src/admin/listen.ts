// The admin API's listeners: the TCP address and the unix socket of `[admin]`, as a lifecycle part.

import { chmodSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { isLoopbackHost, splitHostPort } from "../config/grammar.ts";
import type { AdminConfig } from "../config/schema.ts";
import type { Part } from "../lifecycle.ts";
import type { AdminBindings } from "./access.ts";

/** Bun's own cap on a request body, for every route: past it Bun answers a bare 413. The app
 * refuses a mutation's body past MAX_BODY_BYTES (64 KiB) with a JSON 413 first. Bun caps the
 * request line and headers at 16 KiB itself (431). */
const BUN_MAX_BODY_BYTES = 1024 * 1024;

/** The admin app's entry point: the request and the listener it came through. */
export type AdminFetch = (request: Request, env: AdminBindings) => Response | Promise<Response>;

/** The admin API's listeners; `restoreSocket` serves the unix socket again if it was removed. */
export function createAdminListeners(
  admin: AdminConfig,
  fetch: AdminFetch,
): Part & { restoreSocket(): void } {
  const servers: ReturnType<typeof Bun.serve>[] = [];
  let unixServer: ReturnType<typeof Bun.serve> | undefined;
  const serveSocket = (socket: string) => {
    mkdirSync(dirname(socket), { recursive: true });
    rmSync(socket, { force: true });
    const unix: AdminBindings = { transport: "unix", loopback: true };
    unixServer = Bun.serve({
      unix: socket,
      maxRequestBodySize: BUN_MAX_BODY_BYTES,
      fetch: (request) => fetch(request, unix),
    });
    // Like HAProxy's and Docker's sockets: the owner and its group (`sluice`) may connect, and
    // connecting needs write permission, which the unit's UMask=0027 would take from the group.
    chmodSync(socket, 0o660);
  };
  return {
    name: "admin API",
    start() {
      if (admin.listen) servers.push(serveTcp(admin.listen, fetch));
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

/** The TCP listener at `listen`; its requests say whether it is on loopback. */
function serveTcp(listen: string, fetch: AdminFetch): ReturnType<typeof Bun.serve> {
  const address = splitHostPort(listen);
  const tcp: AdminBindings = { transport: "tcp", loopback: isLoopbackHost(address.hostname) };
  return Bun.serve({
    ...address,
    maxRequestBodySize: BUN_MAX_BODY_BYTES,
    fetch: (request) => fetch(request, tcp),
  });
}
