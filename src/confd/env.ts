// confd's functions that read the process's world: getenv, fileExists, datetime.

import { statSync } from "node:fs";
import { type GoTime, localTime } from "./time.ts";

/** confd's getenv: the variable, else the default when it is unset or empty. */
export function getenv(
  environment: Record<string, string | undefined>,
  name: string,
  ...fallback: string[]
): string {
  const value = environment[name] ?? "";
  return value === "" ? (fallback[0] ?? "") : value;
}

/** confd's fileExists: false only when the path does not exist (os.IsNotExist). */
export function fileExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ENOENT";
  }
}

/** confd's datetime: the time now, in the process's zone. */
export function datetime(now: () => Date): GoTime {
  return localTime(now());
}
