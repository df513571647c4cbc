// Runs one lbctl command line in process, capturing what it prints.

import { runCommand } from "../../src/cli/commands.ts";

/** The exit code and the text `lbctl <argv>` wrote to stdout and stderr. */
export async function runLbctl(
  argv: string[],
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommand("lbctl", argv, {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
  });
  return { code, out: out.join(""), err: err.join("") };
}
