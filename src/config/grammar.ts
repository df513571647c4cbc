// What characters a sluice.toml string may hold where sluice writes it: anywhere, in a path that
// the template renders unquoted into haproxy.cfg, and in a `host:port`.

/** C0 and C1 control characters, DEL, and Unicode line and paragraph separators. */
const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029]/u;

/** What ends or comments out a haproxy.cfg word: whitespace, quotes, backslash, `#`, controls. */
const PATH_BREAKERS = /[\s"'\\#\p{Cc}\u2028\u2029]/u;

/** `host:port` as HAProxy's `bind` and the admin API take it: a name, an IPv4 address, `*`, or an
 * IPv6 address (bracketed or not), then a port. */
const HOST_PORT_PATTERN = /^[A-Za-z0-9.*:[\]-]+:(\d{1,5})$/;

/** Why `text` may not be a config string (it holds a control character), or undefined. */
export function controlCharacterProblem(text: string): string | undefined {
  return CONTROL_CHARACTERS.test(text)
    ? `must not contain control characters, got ${JSON.stringify(text)}`
    : undefined;
}

/** Why `path` cannot be written into a haproxy.cfg line unquoted, or undefined. */
export function pathProblem(path: string): string | undefined {
  if (!PATH_BREAKERS.test(path)) return undefined;
  return `must not contain whitespace, quotes, "\\", "#" or control characters (paths are written into haproxy.cfg unquoted), got ${JSON.stringify(path)}`;
}

/** Whether `text` is `host:port`, the host in `bind`'s charset (not checked for the port). */
export function looksLikeHostPort(text: string): boolean {
  return HOST_PORT_PATTERN.test(text);
}

/** Whether the port of a `host:port` (as `looksLikeHostPort` accepts) is from 1 to 65535. */
export function hasValidPort(text: string): boolean {
  const port = Number(HOST_PORT_PATTERN.exec(text)?.[1]);
  return Number.isInteger(port) && port >= 1 && port <= 65_535;
}

/** Splits `host:port` (a bracketed IPv6 host too) as `looksLikeHostPort` accepts it. */
export function splitHostPort(text: string): { hostname: string; port: number } {
  const at = text.lastIndexOf(":");
  return {
    hostname: text.slice(0, at).replace(/^\[|\]$/g, ""),
    port: Number(text.slice(at + 1)),
  };
}

/**
 * Whether `hostname` (no port, no brackets) names this machine's loopback only: `localhost` and
 * its subdomains, 127.0.0.0/8 and ::1. Anything else (0.0.0.0, ::, *, a LAN address or name)
 * may be reached from elsewhere.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || host === "::1") return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The longest unix socket path Linux takes (`sun_path` is 108 bytes with its NUL). */
export const MAX_SOCKET_PATH_BYTES = 107;

/** Why `path` cannot be a unix socket's address (too long to bind), or undefined. */
export function socketPathProblem(path: string): string | undefined {
  const bytes = Buffer.byteLength(path);
  if (bytes <= MAX_SOCKET_PATH_BYTES) return undefined;
  return `${path} is ${bytes} bytes, longer than a unix socket path may be (${MAX_SOCKET_PATH_BYTES})`;
}
