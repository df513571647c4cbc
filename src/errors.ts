// The one error family sluice throws: a code, a message that says what and where, and a cause.
// Whether an error is worth retrying soon, and the HTTP status the admin API answers with, follow
// from the code alone: nothing in sluice decides either by reading a message.

/** Every code sluice uses, and what follows from it. */
const CODES = {
  /** sluice.toml could not be read, parsed or validated. */
  config: { retryable: false, httpStatus: 400 },
  /** A command line or request that cannot be acted on. */
  usage: { retryable: false, httpStatus: 400 },
  /** The template could not be read, parsed or rendered. */
  render: { retryable: false, httpStatus: 422 },
  /** `haproxy -c` refused a rendered configuration. */
  haproxy_check: { retryable: false, httpStatus: 422 },
  /** Writing, swapping or reloading a configuration, or a runtime API call, failed. */
  apply: { retryable: true, httpStatus: 500 },
  /** etcd could not be reached, or a watch or listing failed: trying again soon may work. */
  discovery: { retryable: true, httpStatus: 503 },
  /** etcd refused sluice's credentials or certificate: an operator has to act first. */
  discovery_refused: { retryable: false, httpStatus: 503 },
  /** A systemd notification (NOTIFY_SOCKET) could not be sent; systemd may be restarting. */
  notify: { retryable: true, httpStatus: 500 },
  /** The daemon could not be reached, or answered with an error (lbctl). */
  admin: { retryable: true, httpStatus: 502 },
  /** An admin call that needs the bearer token came without one. */
  unauthorized: { retryable: false, httpStatus: 401 },
  /** An admin call came with a wrong bearer token. */
  forbidden: { retryable: false, httpStatus: 403 },
  /** A mutating admin call over TCP, and no `[admin] token_file` is configured. */
  no_token_configured: { retryable: false, httpStatus: 403 },
  /** An admin call from a web page of another origin (a browser's `Origin` header). */
  forbidden_origin: { retryable: false, httpStatus: 403 },
  /** A call on a loopback listener whose `Host` is not a loopback name (DNS rebinding). */
  forbidden_host: { retryable: false, httpStatus: 403 },
  /** A mutating admin call whose body is not `application/json`. */
  unsupported_media_type: { retryable: false, httpStatus: 415 },
  /** A request body larger than the admin API takes. */
  too_large: { retryable: false, httpStatus: 413 },
  /** The thing asked for does not exist. */
  not_found: { retryable: false, httpStatus: 404 },
} as const satisfies Record<string, { retryable: boolean; httpStatus: number }>;

export type ErrorCode = keyof typeof CODES;

/** Base error: `code` is stable for tooling, `message` is for the operator. */
export class SluiceError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /** Whether the same attempt may succeed soon without anyone changing anything. */
  get retryable(): boolean {
    return CODES[this.code].retryable;
  }

  /** The status the admin API answers with when this error ends a request. */
  get httpStatus(): number {
    return CODES[this.code].httpStatus;
  }
}

/** sluice.toml could not be read, parsed or validated. */
export class ConfigError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("config", message, options);
  }
}

/** The template could not be parsed or rendered. */
export class RenderError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("render", message, options);
  }
}

/** `haproxy -c` refused a rendered configuration. */
export class HaproxyCheckError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("haproxy_check", message, options);
  }
}

/** Writing, swapping or reloading a configuration failed. */
export class ApplyError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("apply", message, options);
  }
}

/** etcd could not be reached or answered with an error; `refused` when it refused sluice's
 * credentials, which retrying soon will not fix. */
export class DiscoveryError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown; refused?: boolean }) {
    super(options?.refused ? "discovery_refused" : "discovery", message, options);
  }
}

/**
 * The one retry rule: whether an attempt that failed with `error` may succeed if tried again
 * soon. Errors that are not sluice's own (a library's, the runtime's) count as transient.
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof SluiceError ? error.retryable : true;
}

/** Message of any thrown value, for logs and status. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
