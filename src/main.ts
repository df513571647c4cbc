// Entry point of the executable: `sluice <command>`, or `lbctl <command>` through a symlink.

import { basename } from "node:path";
import { runCommand } from "./cli/commands.ts";

const program = basename(process.argv0) === "lbctl" ? "lbctl" : "sluice";
const code = await runCommand(program, process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
process.exit(code);
