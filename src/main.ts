// Entry point of the executable: `sluice <command>`, or `lbctl <command>` through a symlink.

import { basename } from "node:path";
import { runCommand } from "./cli/commands.ts";
import { describeError } from "./errors.ts";
import { createLogger } from "./log.ts";

// A throw that escaped every handler is logged as one line in sluice's own format (on stderr, so
// lbctl's output stays clean), never as a dump of source, and the process keeps serving the last
// good state.
const log = createLogger((line) => process.stderr.write(line));
process.on("uncaughtException", (error) =>
  log.error("uncaught exception", { error: describeError(error) }),
);
process.on("unhandledRejection", (reason) =>
  log.error("unhandled rejection", { error: describeError(reason) }),
);

const program = basename(process.argv0) === "lbctl" ? "lbctl" : "sluice";
// No top-level await: the executable is built as CommonJS with bytecode (packaging/build.ts).
void runCommand(program, process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  tty: process.stdout.isTTY === true,
  env: process.env,
}).then((code) => process.exit(code));
