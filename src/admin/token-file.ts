// The admin bearer token file: the daemon checks mutating calls against it, lbctl sends it.

import { readFileSync } from "node:fs";
import { ConfigError } from "../errors.ts";

/**
 * The token in `path` (surrounding whitespace trimmed). Throws a ConfigError starting with `where`
 * (`<sluice.toml>: admin.token_file`) when the file cannot be read or is empty.
 */
export function readTokenFile(path: string, where: string): string {
  let token: string;
  try {
    token = readFileSync(path, "utf8").trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    throw new ConfigError(`${where}: cannot read ${path}: ${code}`, { cause: error });
  }
  if (token === "") throw new ConfigError(`${where}: ${path} is empty`);
  return token;
}
