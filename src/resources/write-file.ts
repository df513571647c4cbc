// The one writer of a `[[template]]` resource's file, in confd's named steps: stage the output
// beside dest (mode and owner applied), compare with dest, check the staged file, swap it in.

import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import type { TemplateResource } from "../config/schema.ts";
import { ApplyError, describeError } from "../errors.ts";
import {
  type CommandResult,
  type CommandRunner,
  describeFailure,
  expandSource,
} from "./shell-command.ts";

/** The fields of a resource the write path reads. */
export type FileTarget = Pick<
  TemplateResource,
  "dest" | "mode" | "uid" | "gid" | "checkCmd" | "checkTimeoutMs"
>;

/** The output written beside dest, with the mode and owner dest is to have. */
export type StagedFile = { path: string; mode: number; uid: number; gid: number };

/** What a write did: `changed` when dest was replaced; `check` when check_cmd ran. */
export type WriteOutcome = { changed: boolean; check?: CommandResult };

const DEFAULT_MODE = 0o644;

/** dest's current state, when it exists. */
function statDest(dest: string): Stats | undefined {
  return existsSync(dest) ? statSync(dest) : undefined;
}

/** Step 1: writes `text` to a hidden file in dest's directory (so the rename is atomic), with
 * the configured mode and owner, else dest's current ones, else 0644 and sluice's own. */
export function stageFile(target: FileTarget, text: string): StagedFile {
  const current = statDest(target.dest);
  const mode = target.mode ?? (current ? current.mode & 0o7777 : DEFAULT_MODE);
  const uid = target.uid !== -1 ? target.uid : (current?.uid ?? process.getuid?.() ?? 0);
  const gid = target.gid !== -1 ? target.gid : (current?.gid ?? process.getgid?.() ?? 0);
  const name = `.${basename(target.dest)}.sluice-${randomBytes(4).toString("hex")}`;
  const path = join(dirname(target.dest), name);
  try {
    writeFileSync(path, text, { mode, flag: "wx" });
    // The process's umask took bits from `mode`; set it exactly.
    chmodSync(path, mode);
    const written = statSync(path);
    if (written.uid !== uid || written.gid !== gid) chownSync(path, uid, gid);
  } catch (error) {
    rmSync(path, { force: true });
    throw new ApplyError(`${target.dest}: cannot stage ${path}: ${describeError(error)}`, {
      cause: error,
    });
  }
  return { path, mode, uid, gid };
}

/** Step 2: whether dest already holds the staged content, with its mode and owner. */
export function sameAsDest(staged: StagedFile, dest: string): boolean {
  const current = statDest(dest);
  if (!current) return false;
  if ((current.mode & 0o7777) !== staged.mode) return false;
  if (current.uid !== staged.uid || current.gid !== staged.gid) return false;
  return readFileSync(dest).equals(readFileSync(staged.path));
}

/** Step 3: check_cmd on the staged file; throws ApplyError when it fails. */
export async function checkStaged(
  target: FileTarget,
  staged: StagedFile,
  run: CommandRunner,
): Promise<CommandResult | undefined> {
  if (target.checkCmd === "") return undefined;
  const command = expandSource(target.checkCmd, staged.path);
  const result = await run(command, target.checkTimeoutMs);
  if (!result.ok) {
    const failure = describeFailure("check_cmd", command, result);
    throw new CheckFailed(`${target.dest}: ${failure}; the old file stays`, result);
  }
  return result;
}

/** A check_cmd that refused the staged file, with what it said. */
export class CheckFailed extends ApplyError {
  constructor(
    message: string,
    readonly result: CommandResult,
  ) {
    super(message);
  }
}

/** Step 4: renames the staged file over dest (atomic: readers see the old file or the new). */
export function swapIn(staged: StagedFile, dest: string): void {
  try {
    renameSync(staged.path, dest);
  } catch (error) {
    throw new ApplyError(`${dest}: cannot replace it: ${describeError(error)}`, { cause: error });
  }
}

/** Stage, compare, check, swap: writes nothing when dest already holds `text`; throws (and
 * leaves dest as it was, without a staged file) when any step fails. */
export async function writeResourceFile(
  target: FileTarget,
  text: string,
  run: CommandRunner,
): Promise<WriteOutcome> {
  const staged = stageFile(target, text);
  try {
    if (sameAsDest(staged, target.dest)) return { changed: false };
    const check = await checkStaged(target, staged, run);
    swapIn(staged, target.dest);
    return { changed: true, ...(check ? { check } : {}) };
  } finally {
    rmSync(staged.path, { force: true });
  }
}
