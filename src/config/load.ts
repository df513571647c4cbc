// Reads sluice.toml from disk and parses it with smol-toml; the only module that imports it.

import { readFileSync } from "node:fs";
import { parse, TomlError } from "smol-toml";
import { ConfigError } from "../errors.ts";
import type { Table } from "./field-reader.ts";
import { resolveConfig } from "./resolve.ts";
import type { SluiceConfig } from "./schema.ts";
import { listSettings, type Setting } from "./settings.ts";

/** Where sluice and lbctl look for sluice.toml without `--config`. */
export const DEFAULT_CONFIG_PATH = "/etc/sluice/sluice.toml";

/** Parses TOML text; syntax errors name `file:line:column`. */
export function parseConfigText(text: string, file: string): SluiceConfig {
  return resolveConfig(parseToml(text, file), file, text);
}

function parseToml(text: string, file: string): Table {
  try {
    return parse(text) as Table;
  } catch (error) {
    if (error instanceof TomlError) {
      const firstLine = error.message.split("\n")[0];
      throw new ConfigError(`${file}:${error.line}:${error.column}: ${firstLine}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** Loads and validates the config file at `file`. */
export function loadConfig(file: string): SluiceConfig {
  return parseConfigText(readConfigText(file), file);
}

/** Loads and validates `file`, and lists which fields it sets and which are at their default. */
export function loadConfigWithSettings(file: string): {
  config: SluiceConfig;
  settings: Setting[];
} {
  const text = readConfigText(file);
  const root = parseToml(text, file);
  return { config: resolveConfig(root, file, text), settings: listSettings(root) };
}

function readConfigText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(error);
    throw new ConfigError(`${file}: cannot read config: ${reason}`, { cause: error });
  }
}
