// The executable the systemd unit runs, taken from the RPM, installed where a test can run it
// like the unit does.

import { chmodSync, copyFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { buildRpm, extractRpm } from "./rpm.ts";

let extracted: string | undefined;

/** The sluice executable the unit would run: usr/bin/sluice extracted from the built RPM. */
export function unitBinary(): string {
  extracted ??= join(extractRpm(buildRpm()), "usr/bin/sluice");
  return extracted;
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
