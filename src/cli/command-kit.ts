// What every lbctl command shares: the injected streams, the command's shape as data, and the
// flags that find the daemon. Light: nothing here loads more than sluice.toml's path.

import { DEFAULT_CONFIG_PATH } from "../config/load.ts";
import type { AdminLookup } from "./admin-client.ts";
import type { ParsedArgs } from "./args.ts";
import { UsageError } from "./args.ts";

/** Where a command writes, and what it may know of its terminal: injected so commands are
 * testable. `tty` is whether stdout is a terminal; `env` the environment (NO_COLOR); `signal`
 * ends a long-running command (`watch`) instead of SIGINT. */
export type Io = {
  out: (text: string) => void;
  err: (text: string) => void;
  tty?: boolean;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
};

/** One command of `sluice`/`lbctl`, as data; `run` imports what it needs lazily. */
export type Command = {
  summary: string;
  usage: string;
  valued: string[];
  booleans: string[];
  /** Flags that take a value and may be given more than once. */
  repeated?: string[];
  run(args: ParsedArgs, io: Io): Promise<number>;
};

/** The flags of every command that talks to the daemon. */
export const ADMIN_FLAGS = ["config", "admin", "token-file"];

export function configPath(args: ParsedArgs): string {
  const value = args.flags.get("config");
  return typeof value === "string" ? value : DEFAULT_CONFIG_PATH;
}

function stringFlag(args: ParsedArgs, name: string): string | undefined {
  const value = args.flags.get(name);
  return typeof value === "string" ? value : undefined;
}

/** Where lbctl looks for the daemon: `--config`, `--admin` and `--token-file`. */
export function adminLookup(args: ParsedArgs): AdminLookup {
  return {
    configFile: configPath(args),
    adminUrl: stringFlag(args, "admin"),
    tokenFile: stringFlag(args, "token-file"),
  };
}

export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Whether `--json` was given. */
export function wantsJson(args: ParsedArgs): boolean {
  return args.flags.get("json") === true;
}

/**
 * Colour only on a terminal, never with `--json`, and never when NO_COLOR is set to anything
 * but the empty string (https://no-color.org).
 */
export function wantsColor(io: Io, args: ParsedArgs): boolean {
  return io.tty === true && !wantsJson(args) && !io.env?.NO_COLOR;
}

/** Exactly `count` positionals, named in `names` for the message; else a usage error. */
export function positionals(args: ParsedArgs, names: string[]): string[] {
  if (args.positionals.length < names.length) {
    throw new UsageError(`missing ${names.slice(args.positionals.length).join(" and ")}`);
  }
  if (args.positionals.length > names.length) {
    throw new UsageError(`unexpected argument "${args.positionals[names.length]}"`);
  }
  return args.positionals;
}
