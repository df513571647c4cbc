// Line-oriented logging, one event per line for journald: a JSON object (the default) or logfmt
// `level=... msg=... key=value`, filtered by a level that can change while the daemon runs.

export type LogFields = Record<string, string | number | boolean | undefined>;

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = "json" | "logfmt";

export type Logger = {
  /** What lbctl cannot show: each runtime command sent, each etcd event. */
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
};

/** A logger whose level can be read and changed (`PUT /v1/log-level`). */
export type LevelledLogger = Logger & {
  level(): LogLevel;
  setLevel(level: LogLevel): void;
};

export type LoggerOptions = {
  /** Default `"json"`. */
  format?: LogFormat;
  /** The least severe level written; default `"info"`. */
  level?: LogLevel;
  /** Timestamps of JSON lines; default the clock. */
  now?: () => Date;
};

/** Whether `value` names a log level. */
export function isLogLevel(value: unknown): value is LogLevel {
  return typeof value === "string" && (LOG_LEVELS as readonly string[]).includes(value);
}

function logfmtLine(level: LogLevel, message: string, fields: LogFields): string {
  const parts = [`level=${level}`, `msg=${JSON.stringify(message)}`];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = String(value);
    parts.push(`${key}=${/^[\w./:@-]+$/.test(text) ? text : JSON.stringify(text)}`);
  }
  return `${parts.join(" ")}\n`;
}

/** The fields every JSON line starts with; a field of the same name cannot replace them. */
const RESERVED = new Set(["time", "level", "msg"]);

function jsonLine(level: LogLevel, message: string, fields: LogFields, time: Date): string {
  const line: Record<string, unknown> = { time: time.toISOString(), level, msg: message };
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    // NaN and Infinity have no JSON form.
    const shown = typeof value === "number" && !Number.isFinite(value) ? String(value) : value;
    line[RESERVED.has(key) ? `field_${key}` : key] = shown;
  }
  return `${JSON.stringify(line)}\n`;
}

/** A logger writing whole lines to `write` (stdout by default). */
export function createLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
  options: LoggerOptions = {},
): LevelledLogger {
  const format = options.format ?? "json";
  const now = options.now ?? (() => new Date());
  let least = LOG_LEVELS.indexOf(options.level ?? "info");
  const at =
    (level: LogLevel) =>
    (message: string, fields: LogFields = {}): void => {
      if (LOG_LEVELS.indexOf(level) < least) return;
      write(
        format === "json"
          ? jsonLine(level, message, fields, now())
          : logfmtLine(level, message, fields),
      );
    };
  return {
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    level: () => LOG_LEVELS[least]!,
    setLevel(level) {
      least = LOG_LEVELS.indexOf(level);
    },
  };
}
