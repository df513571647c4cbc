// A small argv parser: `--flag value`, `--flag=value`, boolean flags, repeatable flags, and
// positionals.

import { SluiceError } from "../errors.ts";

/** A command line that cannot be acted on (exit code 2). */
export class UsageError extends SluiceError {
  constructor(message: string) {
    super("usage", message);
  }
}

/** `--flag value` pairs (true for boolean flags), every value of each repeatable flag in order,
 * and the remaining arguments. */
export type ParsedArgs = {
  flags: Map<string, string | true>;
  lists: Map<string, string[]>;
  positionals: string[];
};

/** Parses `argv`; `valued` lists flags that take a value, `repeated` those that may be given
 * more than once (each takes a value; all are kept, in `lists`). */
export function parseArgs(
  argv: string[],
  valued: string[],
  booleans: string[],
  repeated: string[] = [],
): ParsedArgs {
  const flags = new Map<string, string | true>();
  const lists = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!;
    if (!argument.startsWith("--")) {
      positionals.push(argument);
      continue;
    }
    const [name, inline] = argument.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (valued.includes(name) || repeated.includes(name)) {
      const value = inline ?? argv[++index];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      if (repeated.includes(name)) lists.set(name, [...(lists.get(name) ?? []), value]);
      else flags.set(name, value);
    } else if (booleans.includes(name)) {
      flags.set(name, true);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { flags, lists, positionals };
}
