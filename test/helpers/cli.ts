// Runs one lbctl command line in process, capturing what it prints.

import { type Io, runCommand } from "../../src/cli/commands.ts";

/** The exit code and the text `lbctl <argv>` wrote to stdout and stderr; `terminal` is what
 * the command may know of its terminal (tty, env, signal). */
export async function runLbctl(
  argv: string[],
  terminal: Omit<Io, "out" | "err"> = {},
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommand("lbctl", argv, {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    ...terminal,
  });
  return { code, out: out.join(""), err: err.join("") };
}

/** The compiled lbctl (the dist/lbctl symlink to dist/sluice). */
export const LBCTL_BINARY = `${import.meta.dir}/../../dist/lbctl`;

/** Runs `command` to its end, capturing stdout and stderr. */
export async function runToEnd(
  command: string[],
  env: Record<string, string | undefined> = Bun.env,
): Promise<{ code: number; out: string; err: string }> {
  const child = Bun.spawn(command, { env, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, out, err };
}

/**
 * Runs the compiled `lbctl <argv>` (optionally wrapped, e.g. in setpriv) with NO_COLOR unset
 * unless `env` sets it; stdout is a pipe, so no colour is expected.
 */
export async function runCompiledLbctl(
  argv: string[],
  options: { wrap?: (argv: string[]) => string[]; env?: Record<string, string> } = {},
): Promise<{ code: number; out: string; err: string }> {
  const command = [LBCTL_BINARY, ...argv];
  const { NO_COLOR: _, ...env } = Bun.env;
  return runToEnd(options.wrap ? options.wrap(command) : command, { ...env, ...options.env });
}
