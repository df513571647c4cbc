// Reads the text of a key file as JSON, YAML or TOML (by its extension) and flattens it; errors
// name the file, and the line where the parser tells it.

import { extname } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import { DiscoveryError } from "../../errors.ts";
import { flattenKeys } from "./flatten.ts";

/** The formats a key file may have. */
export type KeyFileFormat = "json" | "yaml" | "toml";

const FORMATS: Record<string, KeyFileFormat> = {
  ".json": "json",
  ".yaml": "yaml",
  ".yml": "yaml",
  ".toml": "toml",
};

/** The format of `path` by its extension; undefined for any other extension. */
export function keyFileFormat(path: string): KeyFileFormat | undefined {
  return FORMATS[extname(path).toLowerCase()];
}

/** The flattened keys of `text`, the content of `path`; throws a DiscoveryError naming `path`
 * (and `path:line:column` for TOML, whose parser gives the place). */
export function parseKeyFile(text: string, path: string): { key: string; value: string }[] {
  const format = keyFileFormat(path);
  if (format === undefined) {
    throw new DiscoveryError(`${path}: not a .json, .yaml, .yml or .toml file`);
  }
  let document: unknown;
  try {
    document = parseDocument(text, format);
  } catch (error) {
    if (error instanceof TomlError) {
      const firstLine = error.message.split("\n")[0];
      throw new DiscoveryError(`${path}:${error.line}:${error.column}: ${firstLine}`, {
        cause: error,
      });
    }
    const line = format === "yaml" ? yamlErrorLine(text) : undefined;
    const place = line === undefined ? path : `${path}:${line}`;
    throw new DiscoveryError(`${place}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return flattenKeys(document);
  } catch (error) {
    throw new DiscoveryError(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

function parseDocument(text: string, format: KeyFileFormat): unknown {
  if (format === "toml") return parseToml(text);
  if (format === "json") return JSON.parse(text);
  // Several YAML documents parse to an array, which flattenKeys refuses like any top-level list.
  return Bun.YAML.parse(text);
}

/** Longest YAML file whose error line is looked for (each try parses a prefix of it). */
const MAX_YAML_LINES_SEARCHED = 500;

/**
 * The line of a YAML syntax error, which Bun's parser does not tell: the line after the longest
 * run of first lines that parses on its own (a prefix cut inside a quoted or bracketed value
 * fails too, so the search runs from the end). Undefined when no prefix parses either.
 */
export function yamlErrorLine(text: string): number | undefined {
  const lines = text.split("\n");
  if (lines.length > MAX_YAML_LINES_SEARCHED) return undefined;
  for (let count = lines.length - 1; count > 0; count--) {
    try {
      Bun.YAML.parse(lines.slice(0, count).join("\n"));
      return count + 1;
    } catch {
      // This prefix fails as well: the error is at or before its last line.
    }
  }
  return undefined;
}
