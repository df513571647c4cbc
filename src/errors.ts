// The one error family sluice throws: a code, a message that says what and where, and a cause.

/** Base error: `code` is stable for tooling, `message` is for the operator. */
export class SluiceError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
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

/** etcd could not be reached or answered with an error. */
export class DiscoveryError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("discovery", message, options);
  }
}

/** Message of any thrown value, for logs and status. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
