// Decodes one registration value (seed form, bare host:port, or JSON) into a server, or a reason.

import { numericLookingName, unusableIPv4, unusableIPv6 } from "./host.ts";
import { isInvalidUtf8 } from "./raw-text.ts";
import type { Server } from "./types.ts";

export type Decoded = { ok: true; server: Server } | { ok: false; reason: string };

/** Names start with a letter, digit or `_`: a leading `-` would read as an option to HAProxy. */
export const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;
const DNS_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const MAX_VALUE_LENGTH = 4096;
const JSON_FIELDS = new Set(["addr", "name", "weight", "drain", "meta"]);

function fail(reason: string): Decoded {
  return { ok: false, reason };
}

/** Turns any string into a valid server name: characters outside the charset become `-`. */
export function deriveName(text: string): string {
  const cleaned = text
    .replace(/[^A-Za-z0-9._-]/g, "-")
    .replace(/^[.-]+/, "")
    .slice(0, 64);
  return cleaned === "" ? "server" : cleaned;
}

/**
 * Shows untrusted text in a reason: quoted, escaped, on one line, and short. Bytes that were not
 * valid UTF-8 (see raw-text.ts) show as `\xNN`.
 */
export function quote(text: string, max = 64): string {
  const shown = text.length > max ? `${text.slice(0, max)}…` : text;
  return (
    JSON.stringify(shown)
      .replace(
        /[\u007f-\u009f\u2028\u2029]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
      )
      // JSON writes a lone surrogate as \udcNN; an even run of backslashes before it is literal.
      .replace(/(?<!\\)((?:\\\\)*)\\udc([89a-f][0-9a-f])/g, "$1\\x$2")
  );
}

function isIPv4(host: string): boolean {
  const parts = host.split(".");
  return (
    parts.length === 4 &&
    parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255 && !/^0\d/.test(part))
  );
}

function isIPv6(host: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(host) || !host.includes(":")) return false;
  try {
    return new URL(`http://[${host}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

function isDnsName(host: string): boolean {
  if (host.length > 253) return false;
  const labels = host.replace(/\.$/, "").split(".");
  // An all-numeric name is a malformed IPv4 address, not a host name.
  if (labels.every((label) => /^\d+$/.test(label))) return false;
  return labels.every((label) => DNS_LABEL.test(label));
}

type Address = { host: string; port: number; address: string };

/** Parses `host:port` or `[v6]:port`. */
export function parseAddress(text: string): Address | string {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!match) return `address ${quote(text)} is not host:port`;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return `port ${match[3]} is outside 1-65535`;
  const v6 = match[1];
  if (v6 !== undefined) {
    if (!isIPv6(v6)) return `${quote(v6)} is not an IPv6 address`;
    const problem = unusableIPv6(v6);
    if (problem) return `host ${quote(v6)} ${problem}`;
    return { host: v6, port, address: `[${v6}]:${port}` };
  }
  const host = match[2]!;
  const ipv4 = isIPv4(host);
  if (!ipv4 && !isDnsName(host)) return `host ${quote(host)} is not an IPv4 address or DNS name`;
  const problem = ipv4 ? unusableIPv4(host) : numericLookingName(host);
  if (problem) return `host ${quote(host)} ${problem}`;
  return { host, port, address: `${host}:${port}` };
}

function server(key: string, name: string, address: Address, extra?: Partial<Server>): Server {
  return { key, name, ...address, weight: 1, drain: false, meta: {}, ...extra };
}

function decodeJson(key: string, value: string, defaultName: string): Decoded {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return fail("value starts with { but is not valid JSON");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return fail("JSON value must be an object");
  }
  const record = parsed as Record<string, unknown>;
  for (const field of Object.keys(record)) {
    if (!JSON_FIELDS.has(field)) {
      return fail(
        `unknown JSON field "${deriveName(field)}" (allowed: addr, name, weight, drain, meta)`,
      );
    }
  }
  if (typeof record.addr !== "string")
    return fail('JSON field "addr" must be a "host:port" string');
  const address = parseAddress(record.addr);
  if (typeof address === "string") return fail(address);
  let name = defaultName;
  if (record.name !== undefined) {
    if (typeof record.name !== "string" || !NAME.test(record.name)) {
      return fail('JSON field "name" must be 1-64 of [A-Za-z0-9._-], not starting with - or .');
    }
    name = record.name;
  }
  let weight = 1;
  if (record.weight !== undefined) {
    if (
      !Number.isInteger(record.weight) ||
      (record.weight as number) < 0 ||
      (record.weight as number) > 256
    ) {
      return fail('JSON field "weight" must be an integer 0-256');
    }
    weight = record.weight as number;
  }
  if (record.drain !== undefined && typeof record.drain !== "boolean") {
    return fail('JSON field "drain" must be true or false');
  }
  if (
    record.meta !== undefined &&
    (typeof record.meta !== "object" || record.meta === null || Array.isArray(record.meta))
  ) {
    return fail('JSON field "meta" must be an object');
  }
  return {
    ok: true,
    server: server(key, name, address, {
      weight,
      drain: record.drain === true,
      meta: (record.meta as Record<string, unknown> | undefined) ?? {},
    }),
  };
}

/**
 * Decodes the value registered at `key`. `instance` is the key's last segment; it names the
 * server when the value does not.
 */
export function decodeRegistration(key: string, instance: string, value: string): Decoded {
  if (value.length > MAX_VALUE_LENGTH)
    return fail(`value is longer than ${MAX_VALUE_LENGTH} bytes`);
  // Control characters (newline included) could start a new haproxy.cfg line: never accepted.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: this is the check for them
  if (/[\u0000-\u001f\u007f\u0080-\u009f\u2028\u2029]/.test(value)) {
    return fail("value contains a control character or line break");
  }
  // Bytes etcd holds that are not UTF-8 have no meaning sluice could serve.
  if (isInvalidUtf8(value)) return fail(`value ${quote(value)} is not valid UTF-8`);
  const trimmed = value.trim();
  if (trimmed === "") return fail("value is empty");
  if (trimmed.startsWith("{")) return decodeJson(key, trimmed, deriveName(instance));
  const words = trimmed.split(" ");
  if (words.length === 1) {
    const address = parseAddress(words[0]!);
    if (typeof address === "string") return fail(address);
    return { ok: true, server: server(key, deriveName(instance), address) };
  }
  if (words.length === 2) {
    const [name, addressText] = words as [string, string];
    if (!NAME.test(name)) {
      return fail(
        `server name ${quote(name)} must be 1-64 of [A-Za-z0-9._-], not starting with - or .`,
      );
    }
    const address = parseAddress(addressText);
    if (typeof address === "string") return fail(address);
    return { ok: true, server: server(key, name, address) };
  }
  return fail('value must be "<name> <host>:<port>", "<host>:<port>" or a JSON object');
}
