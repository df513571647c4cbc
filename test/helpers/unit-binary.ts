// The executable the systemd unit runs, installed where a test can run it like the unit does.
// unitBinary() alone says where it comes from, so a later step can take it from the RPM instead.

import { chmodSync, copyFileSync, existsSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { SLUICE_BINARY } from "./sluice.ts";

/** The sluice executable the unit would run: for now the compiled dist/sluice. */
export function unitBinary(): string {
  if (!existsSync(SLUICE_BINARY)) throw new Error(`${SLUICE_BINARY} is missing: run make build`);
  return SLUICE_BINARY;
}

/**
 * Copies unitBinary() into `dir` as `sluice`, with `lbctl` a symlink to it (argv0 picks lbctl),
 * both runnable by any user. `dir` should be outside the repository, so no node_modules is found.
 */
export function installUnitBinary(dir: string): { sluice: string; lbctl: string } {
  const sluice = join(dir, "sluice");
  const lbctl = join(dir, "lbctl");
  copyFileSync(unitBinary(), sluice);
  chmodSync(sluice, 0o755);
  symlinkSync("sluice", lbctl);
  chmodSync(dir, 0o755);
  return { sluice, lbctl };
}
