// Line-oriented logging to stderr: `level msg key=value ...`, one event per line for journald.

export type LogFields = Record<string, string | number | boolean | undefined>;

export type Logger = {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
};

function format(level: string, message: string, fields: LogFields = {}): string {
  const parts = [`level=${level}`, `msg=${JSON.stringify(message)}`];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = String(value);
    parts.push(`${key}=${/^[\w./:@-]+$/.test(text) ? text : JSON.stringify(text)}`);
  }
  return `${parts.join(" ")}\n`;
}

/** A logger writing to `write` (stderr by default). */
export function createLogger(
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  return {
    info: (message, fields) => write(format("info", message, fields)),
    warn: (message, fields) => write(format("warn", message, fields)),
    error: (message, fields) => write(format("error", message, fields)),
  };
}
