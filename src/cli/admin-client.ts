// Finds the running daemon (--admin URL, else the configured unix socket, else the default one)
// and calls its API; every failure says what to do. Light: it loads sluice.toml, never gRPC or
// the daemon's modules.

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
  /** `http://host:port` over TCP; `http://localhost` on the unix socket. */
  url: string;
  socket: string | undefined;
  token: string | undefined;
  /** The token file read (for messages), and why it could not be, if it could not. */
  tokenFile: string | undefined;
  tokenProblem: string | undefined;
  /** The sluice.toml looked at (for messages). */
  configFile: string;
};

/** How lbctl looks for the daemon: `--config`'s file, `--admin`'s URL, `--token-file`. */
export type AdminLookup = { configFile: string; adminUrl: string | undefined; tokenFile?: string };

/** The token and its file: `--token-file`, else `[admin] token_file`; an unreadable one is kept
 * as `problem` (the unix socket needs none; over TCP a mutation stops on it). */
function readToken(lookup: AdminLookup, configured: string | undefined) {
  const file = lookup.tokenFile ?? configured;
  if (!file) return { file, token: undefined, problem: undefined };
  const where = lookup.tokenFile ? "--token-file" : `${lookup.configFile}: admin.token_file`;
  try {
    return { file, token: readTokenFile(file, where), problem: undefined };
  } catch (error) {
    return { file, token: undefined, problem: describeError(error) };
  }
}

/**
 * The daemon to call: `adminUrl` if given, else the `[admin] socket` of `configFile`, else its
 * `listen` address when the socket is disabled, else DEFAULT_ADMIN_SOCKET. The token is sent
 * wherever it can be read (the unix socket ignores it); a `--token-file` that cannot be read, or
 * any unreadable token file for a `mutating` call over TCP, throws before calling.
 */
export function findAdmin(lookup: AdminLookup, mutating: boolean): AdminTarget {
  const config = existsSync(lookup.configFile) ? loadConfig(lookup.configFile) : undefined;
  const { file, token, problem } = readToken(lookup, config?.admin.tokenFile);
  const base = { token, tokenFile: file, tokenProblem: problem, configFile: lookup.configFile };
  let target: AdminTarget;
  if (lookup.adminUrl) target = { url: lookup.adminUrl, socket: undefined, ...base };
  else if (!config || config.admin.socket) {
    const socket = config?.admin.socket ?? DEFAULT_ADMIN_SOCKET;
    target = { url: "http://localhost", socket, ...base };
  } else if (config.admin.listen) {
    target = { url: `http://${config.admin.listen}`, socket: undefined, ...base };
  } else {
    throw new SluiceError(
      "admin",
      `${lookup.configFile} disables both [admin] socket and listen: pass --admin URL`,
    );
  }
  if (problem && (lookup.tokenFile || (mutating && !target.socket))) {
    throw new SluiceError(
      "admin",
      `${problem}; run lbctl as a user that can read it (root or group sluice)`,
    );
  }
  return target;
}

/** What to tell the operator when the daemon cannot be reached at all. */
export function unreachableMessage(target: AdminTarget, error: unknown): string {
  const code = (error as { code?: string }).code;
  const start = "start it with `sudo systemctl start sluice` (or pass --admin URL / --config FILE)";
  if (target.socket) {
    if (code === "ENOENT") return `sluice is not running (no socket at ${target.socket}): ${start}`;
    if (code === "ECONNREFUSED") {
      return `sluice is not running (nothing answers on ${target.socket}): ${start}`;
    }
    if (code === "EACCES" || code === "EPERM") {
      return (
        `permission denied on ${target.socket}: run as root or join group sluice ` +
        "(`sudo usermod -aG sluice $USER`, then log in again)"
      );
    }
  } else if (code === "ECONNREFUSED") {
    return `sluice is not running (nothing listens on ${target.url}): ${start}`;
  }
  return `cannot reach sluice at ${target.socket ?? target.url}: ${describeError(error)}; is it running? ${start}`;
}

/** What to tell the operator when the daemon refused lbctl's token (401) or had none (403). */
export function tokenMessage(target: AdminTarget, status: number, error: string): string {
  const sent = target.token ? `the token from ${target.tokenFile}` : "no token";
  const unread = target.tokenProblem ? ` (${target.tokenProblem})` : "";
  const which =
    status === 401 && !target.token
      ? `this needs the admin token: pass --token-file FILE, or set [admin] token_file in ${target.configFile} to the daemon's token file`
      : `lbctl sent ${sent}; pass the daemon's own token file with --token-file FILE (its [admin] token_file)`;
  return `the daemon refused the request (HTTP ${status}: ${error})${unread}: ${which}, or use the unix socket as root or group sluice`;
}

export type RequestOptions = { method?: "GET" | "POST"; body?: unknown; accept?: string };

/** Sends `path` to `target`; throws an `admin` SluiceError saying what to do when unreachable. */
export async function sendAdmin(
  target: AdminTarget,
  path: string,
  options: RequestOptions & { signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  if (options.accept) headers.accept = options.accept;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  try {
    return await fetch(new URL(path, target.url), {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...(target.socket ? { unix: target.socket } : {}),
    });
  } catch (error) {
    throw new SluiceError("admin", unreachableMessage(target, error), { cause: error });
  }
}

/** A JSON answer of the daemon, whatever its status. */
export type AdminAnswer = { status: number; body: unknown };

/** Calls `path` on `target` and parses its JSON answer, whatever the status. */
export async function callAdmin(
  target: AdminTarget,
  path: string,
  method: "GET" | "POST" = "GET",
): Promise<AdminAnswer> {
  const response = await sendAdmin(target, path, method === "POST" ? { method, body: {} } : {});
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    throw new SluiceError(
      "admin",
      `${target.socket ?? target.url}${path}: HTTP ${response.status}: ${text.trim()}`,
    );
  }
}

/** The error an error answer stands for: the token messages for 401/403, else the API's own. */
export function answerError(target: AdminTarget, path: string, answer: AdminAnswer): SluiceError {
  const body = answer.body as { error?: unknown } | null;
  const error = typeof body?.error === "string" ? body.error : JSON.stringify(answer.body);
  if (answer.status === 401 || answer.status === 403) {
    return new SluiceError("unauthorized", tokenMessage(target, answer.status, error));
  }
  return new SluiceError("admin", `${path}: HTTP ${answer.status}: ${error}`);
}

/** GETs (or POSTs) `path` on the daemon `lookup` finds and returns its JSON; errors throw. */
export async function fetchAdmin(
  lookup: AdminLookup,
  path: string,
  method: "GET" | "POST" = "GET",
): Promise<unknown> {
  const target = findAdmin(lookup, method === "POST");
  const answer = await callAdmin(target, path, method);
  if (answer.status >= 400) throw answerError(target, path, answer);
  return answer.body;
}

/** GETs `path` as text (haproxy.cfg); errors throw. */
export async function fetchAdminText(lookup: AdminLookup, path: string): Promise<string> {
  const target = findAdmin(lookup, false);
  const response = await sendAdmin(target, path);
  const text = await response.text();
  if (response.status < 400) return text;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  throw answerError(target, path, { status: response.status, body });
}
