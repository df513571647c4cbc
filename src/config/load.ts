// Reads sluice.toml from disk and parses it with smol-toml; the only module that imports it.

import { readFileSync } from "node:fs";
import { parse, TomlError } from "smol-toml";
import { ConfigError } from "../errors.ts";
import { resolveConfig } from "./resolve.ts";
import type { SluiceConfig } from "./schema.ts";

export const DEFAULT_CONFIG_PATH = "/etc/sluice/sluice.toml";

/** Parses TOML text; syntax errors name `file:line:column`. */
export function parseConfigText(text: string, file: string): SluiceConfig {
  let root: Record<string, unknown>;
  try {
    root = parse(text) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof TomlError) {
      const firstLine = error.message.split("\n")[0];
      throw new ConfigError(`${file}:${error.line}:${error.column}: ${firstLine}`, {
        cause: error,
      });
    }
    throw error;
  }
  return resolveConfig(root, file, text);
}

/** Loads and validates the config file at `file`. */
export function loadConfig(file: string): SluiceConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(error);
    throw new ConfigError(`${file}: cannot read config: ${reason}`, { cause: error });
  }
  return parseConfigText(text, file);
}
