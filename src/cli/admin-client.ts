// Finds the running daemon (--admin URL, else the configured unix socket, else the default one)
// and calls its API. Light: it loads sluice.toml, never gRPC or the daemon's modules.

import { existsSync } from "node:fs";
import { readTokenFile } from "../admin/token-file.ts";
import { loadConfig } from "../config/load.ts";
import { describeError, SluiceError } from "../errors.ts";

/** The admin socket looked for when there is no sluice.toml (the packaged default). */
export const DEFAULT_ADMIN_SOCKET = "/run/sluice/admin.sock";
/** A reload of a large config takes seconds; a daemon that does not answer in this long is stuck. */
const REQUEST_TIMEOUT_MS = 60_000;

/** Where the daemon's admin API answers, and the bearer token to send, if any. */
export type AdminTarget = {
  /** `http://host:port` over TCP, or the unix socket's path. */
  url: string;
  socket: string | undefined;
  token: string | undefined;
};

/** How lbctl looks for the daemon: `--config`'s file and `--admin`'s URL. */
export type AdminLookup = { configFile: string; adminUrl: string | undefined };

/**
 * The daemon to call: `adminUrl` if given, else the `[admin] socket` of `configFile`, else its
 * `listen` address when the socket is disabled, else DEFAULT_ADMIN_SOCKET. `withToken` reads the
 * configured token_file: the daemon asks for it on every listener, the unix socket too.
 */
export function findAdmin(lookup: AdminLookup, withToken: boolean): AdminTarget {
  const config = existsSync(lookup.configFile) ? loadConfig(lookup.configFile) : undefined;
  const tokenFile = withToken ? config?.admin.tokenFile : undefined;
  let token: string | undefined;
  if (tokenFile) {
    try {
      token = readTokenFile(tokenFile, `${lookup.configFile}: admin.token_file`);
    } catch (error) {
      throw new SluiceError(
        "admin",
        `${describeError(error)}; run lbctl as a user that can read it (root or sluice)`,
        { cause: error },
      );
    }
  }
  if (lookup.adminUrl) return { url: lookup.adminUrl, socket: undefined, token };
  const socket = config ? config.admin.socket : DEFAULT_ADMIN_SOCKET;
  if (socket) return { url: "http://localhost", socket, token };
  if (config?.admin.listen)
    return { url: `http://${config.admin.listen}`, socket: undefined, token };
  throw new SluiceError(
    "admin",
    `${lookup.configFile} disables both [admin] socket and listen: pass --admin URL`,
  );
}

/** A JSON answer of the daemon, whatever its status. */
export type AdminAnswer = { status: number; body: unknown };

/** Calls `path` on `target`; throws an `admin` SluiceError, saying what to do, when unreachable. */
export async function callAdmin(
  target: AdminTarget,
  path: string,
  method: "GET" | "POST" = "GET",
): Promise<AdminAnswer> {
  const where = target.socket ?? target.url;
  let response: Response;
  try {
    response = await fetch(new URL(path, target.url), {
      method,
      headers: target.token ? { authorization: `Bearer ${target.token}` } : {},
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...(target.socket ? { unix: target.socket } : {}),
    });
  } catch (error) {
    throw new SluiceError(
      "admin",
      `cannot reach the sluice daemon at ${where}: ${describeError(error)}; is sluice running? ` +
        "start it with systemctl start sluice (or pass --admin URL / --config FILE)",
      { cause: error },
    );
  }
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    throw new SluiceError("admin", `${where}${path}: HTTP ${response.status}: ${text.trim()}`);
  }
}

/** GETs `path` from the daemon as JSON; an error status throws. */
export async function fetchAdmin(lookup: AdminLookup, path: string): Promise<unknown> {
  const target = findAdmin(lookup, false);
  const answer = await callAdmin(target, path);
  if (answer.status >= 400) {
    throw new SluiceError(
      "admin",
      `${target.socket ?? target.url}${path}: HTTP ${answer.status}: ${JSON.stringify(answer.body)}`,
    );
  }
  return answer.body;
}
