// `lbctl check`'s file-descriptor check: whether this machine's open-file limit holds HAProxy with
// the servers last saved in state_dir (the snapshot) and their spare slots.

import { availableParallelism } from "node:os";
import type { SluiceConfig } from "../config/schema.ts";
import { fdBudget, fdShortage, haproxyThreads, layoutServerLines } from "../haproxy/fd-budget.ts";
import { buildModel } from "../model/build.ts";
import { freshLayout } from "../model/layout.ts";
import { openFileLimit } from "../open-file-limit.ts";
import { layoutOptions, modelOptions } from "../pipeline.ts";
import { readSnapshot, snapshotPath } from "../snapshot.ts";

/** What the check found: `error` when HAProxy cannot start under the limit, `warning` when it
 * runs with a lower maxconn; neither when the limit holds it. */
export type FdCheck = { error?: string; warning?: string };

/** The open-file limit against the saved servers (none saved: the template's spare slots only). */
export function checkFdLimit(config: SluiceConfig, limit: number = openFileLimit()): FdCheck {
  const snapshot = readSnapshot(snapshotPath(config.stateDir));
  const model = buildModel(snapshot?.kvs ?? [], modelOptions(config, snapshot?.revision ?? 0));
  const serverLines = layoutServerLines(freshLayout(model, layoutOptions(config)));
  const budget = fdBudget(limit, { serverLines, threads: haproxyThreads(availableParallelism()) });
  const problem = fdShortage(budget, serverLines);
  if (!problem) return {};
  return budget.fits ? { warning: problem } : { error: problem };
}
