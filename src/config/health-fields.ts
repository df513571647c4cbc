// The `[health]` fields and the `health_*` overrides of each `[[service]]` (part of defaults.ts).

import type { SectionFields } from "./field-spec.ts";

/** What HAProxy's config takes as an HTTP check path: no space, quote, `\`, `#` or `$`. */
export const CHECK_PATH_PATTERN = /^\/[A-Za-z0-9._~%/?&=+,;:@!*()-]{0,1023}$/;
/** A Host header for HTTP checks: a DNS name or IPv4 address, an optional port; `""`: none. */
export const CHECK_HOST_PATTERN = /^(?:[A-Za-z0-9][A-Za-z0-9.-]{0,252}(?::\d{1,5})?)?$/;
/** `""` (HAProxy's default, 2xx or 3xx), a status (`"200"`) or a range (`"200-399"`). */
export const EXPECT_STATUS_PATTERN = /^(?:[1-5]\d\d(?:-[1-5]\d\d)?)?$/;

const PATH_RULE = 'a path starting with "/", of [A-Za-z0-9._~%/?&=+,;:@!*()-], at most 1024';
const HOST_RULE = '"" or a host name or IPv4 address, optionally with ":port"';
const STATUS_RULE = '"", a status such as "200", or a range such as "200-399"';

/** `[health]`: HAProxy's active checks, and removal of backends that stay down. */
export const HEALTH_FIELDS = {
  enabled: {
    kind: "boolean",
    default: true,
    description: "HAProxy checks every server; false: servers are always up",
  },
  type: {
    kind: "choice",
    default: "tcp",
    choices: ["tcp", "http"],
    description: '"tcp" connects; "http" sends GET path and reads the status',
  },
  path: {
    kind: "string",
    default: "/",
    pattern: CHECK_PATH_PATTERN,
    rule: PATH_RULE,
    description: "path of HTTP checks",
  },
  host: {
    kind: "string",
    default: "",
    pattern: CHECK_HOST_PATTERN,
    rule: HOST_RULE,
    description: 'Host header of HTTP checks; "": none',
  },
  expect_status: {
    kind: "string",
    default: "",
    pattern: EXPECT_STATUS_PATTERN,
    rule: STATUS_RULE,
    description: 'status an HTTP check expects ("200", "200-399"); "": any 2xx or 3xx',
  },
  interval: {
    kind: "duration",
    default: "2s",
    minimumMs: 100,
    description: "time between two checks of a server",
  },
  timeout: {
    kind: "duration",
    default: "1s",
    minimumMs: 10,
    description: "a check not answered within this fails; at most interval",
  },
  rise: {
    kind: "integer",
    default: 2,
    minimum: 1,
    maximum: 1000,
    description: "good checks in a row that bring a down server up",
  },
  fall: {
    kind: "integer",
    default: 3,
    minimum: 1,
    maximum: 1000,
    description: "failed checks in a row that take an up server down",
  },
  jitter: {
    kind: "integer",
    default: 0,
    minimum: 0,
    maximum: 50,
    description: "random spread of check times, percent of interval (HAProxy spread-checks)",
  },
  remove_after: {
    kind: "duration",
    default: "5m",
    minimumMs: 0,
    description: 'down this long: the leader removes the key from etcd ("0s": never)',
  },
  max_ejection_percent: {
    kind: "integer",
    default: 10,
    minimum: 0,
    maximum: 100,
    description: "most of a service removed per remove_after period (at least 1 server)",
  },
  panic_threshold: {
    kind: "integer",
    default: 50,
    minimum: 0,
    maximum: 100,
    description: "more than this percent of checked servers down: no removals (panic)",
  },
  leader_ttl: {
    kind: "duration",
    default: "10s",
    minimumMs: 2000,
    description: "lease of the removal leader; whole seconds",
  },
} as const satisfies SectionFields;

/** The `health_*` fields of a `[[service]]`; each unset one takes `[health]`'s value. */
export const SERVICE_HEALTH_FIELDS = {
  health_type: {
    kind: "string",
    choices: ["tcp", "http"],
    description: "[health] type for this service",
  },
  health_path: {
    kind: "string",
    pattern: CHECK_PATH_PATTERN,
    rule: PATH_RULE,
    description: "[health] path for this service",
  },
  health_host: {
    kind: "string",
    pattern: CHECK_HOST_PATTERN,
    rule: HOST_RULE,
    description: "[health] host for this service",
  },
  health_expect_status: {
    kind: "string",
    pattern: EXPECT_STATUS_PATTERN,
    rule: STATUS_RULE,
    description: "[health] expect_status for this service",
  },
  health_interval: {
    kind: "duration",
    minimumMs: 100,
    description: "[health] interval for this service",
  },
  health_timeout: {
    kind: "duration",
    minimumMs: 10,
    description: "[health] timeout for this service",
  },
  health_rise: {
    kind: "integer",
    minimum: 1,
    maximum: 1000,
    description: "[health] rise for this service",
  },
  health_fall: {
    kind: "integer",
    minimum: 1,
    maximum: 1000,
    description: "[health] fall for this service",
  },
} as const satisfies SectionFields;
