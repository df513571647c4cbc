// The TOML edge of `lbctl import-confd`: parses confd's files with smol-toml (errors with the
// file and line), finds the line of a key for report lines, and writes TOML values.

import { parse, TomlError } from "smol-toml";
import { ConfigError } from "../errors.ts";

/** A parsed TOML table. */
export type Table = Record<string, unknown>;

/** Parses `text`; throws ConfigError naming `file:line`. */
export function parseToml(text: string, file: string): Table {
  try {
    return parse(text) as Table;
  } catch (error) {
    if (error instanceof TomlError) {
      throw new ConfigError(`${file}:${error.line}: ${error.message.split("\n")[0]}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** The 1-based line of `key = ...` in `section` (`""`: the top level), or undefined. */
export function lineOfKey(text: string, section: string, key: string): number | undefined {
  let current = "";
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    const header = /^\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?/.exec(line);
    if (header) {
      current = header[1]!;
      // `[template]src = ...` on one line (as web pages print it) still names its key.
      if (!line.slice(header[0].length).trim()) continue;
    }
    const rest = header ? line.slice(header[0].length).trim() : line;
    const match = /^"?([A-Za-z0-9_-]+)"?\s*=/.exec(rest);
    if (match && match[1] === key && current === section) return index + 1;
  }
  return undefined;
}

/** A TOML basic string (JSON's escapes are TOML's). */
export function tomlString(value: string): string {
  return JSON.stringify(value);
}

/** A TOML array of strings on one line. */
export function tomlStrings(values: string[]): string {
  return `[${values.map(tomlString).join(", ")}]`;
}
