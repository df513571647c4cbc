// Executing a prepared apply: runtime API commands, or a validated reload with the bind pre-flight
// and HAProxy's server state saved first; a runtime update HAProxy refuses becomes a reload.

import { ApplyError, describeError } from "../errors.ts";
import { freshLayout } from "../model/layout.ts";
import type { Model } from "../model/types.ts";
import { newBindAddresses } from "../plan.ts";
import { yieldToLoop } from "../yield-to-loop.ts";
import { diffLayouts, opsKey, rendersLayout } from "./layout-ops.ts";
import type { ReconcilerOptions } from "./reconciler.ts";
import type { ServedState } from "./served-state.ts";
import { filterServerState } from "./server-state-file.ts";
import type { ApplyResult, Prepared } from "./types.ts";

/** What executing needs from the reconciler. */
export type ExecuteSteps = {
  options: ReconcilerOptions;
  state: ServedState;
  counters: { runtimeUpdates: number };
  templateKey(model: Model): string;
  /** Writes what HAProxy now serves to the config file and the last good copy. */
  writeServed(text: string): void;
};

/** Makes HAProxy serve `prepared`; throws and keeps the served config when it cannot. */
export async function executePrepared(
  steps: ExecuteSteps,
  prepared: Prepared,
  force: boolean,
): Promise<ApplyResult> {
  const { plan } = prepared;
  const { state } = steps;
  if (plan.kind === "reload") {
    steps.options.log.info("reloading haproxy", { why: plan.reasons.join("; ") });
    return reload(steps, prepared, prepared.text!, force);
  }
  if (plan.kind === "none") {
    // The file may have been behind HAProxy: it is brought in line now.
    if (prepared.catchUp !== undefined) steps.writeServed(prepared.catchUp);
    const next = prepared.catchUp !== undefined ? "ready" : state.fastPath.current();
    state.commit(prepared, prepared.catchUp, next, steps.templateKey(prepared.model));
    return { outcome: "unchanged", revision: prepared.revision, routedAt: undefined };
  }
  return runtimeUpdate(steps, prepared);
}

async function saveServerState(steps: ExecuteSteps, text: string): Promise<void> {
  const { options } = steps;
  try {
    const state = await options.dumpServerState();
    options.writeServerState(options.serverStateFile, filterServerState(state, text));
  } catch (error) {
    // Without a state file HAProxy starts every server fresh: worse, but safe.
    options.writeServerState(options.serverStateFile, "");
    options.log.warn("cannot save server state before reload", { error: describeError(error) });
  }
}

/** HAProxy pauses every listener while it retries a port that is taken: refuse first. */
function refuseTakenBinds(steps: ExecuteSteps, text: string): void {
  const liveText = steps.state.served.text ?? steps.options.file.read();
  if (liveText === undefined) return;
  for (const { host, port } of newBindAddresses(liveText, text)) {
    if (!steps.options.canBind(host, port)) {
      throw new ApplyError(`cannot reload: ${host}:${port} is already in use by another process`);
    }
  }
}

async function reload(
  steps: ExecuteSteps,
  prepared: Prepared,
  text: string,
  force: boolean,
): Promise<ApplyResult> {
  const { options, state } = steps;
  // Each step reads or writes the whole config: the loop gets a turn between them.
  if (options.running()) {
    await yieldToLoop();
    refuseTakenBinds(steps, text);
    await yieldToLoop();
    await saveServerState(steps, text);
    await yieldToLoop();
  }
  const outcome = await options.applier.apply(text, force);
  // A template that renders every slot as the layout says takes the fast path from the first
  // server change on.
  const next = rendersLayout(text, prepared.layout) ? "ready" : "unverified";
  state.commit(prepared, text, next, steps.templateKey(prepared.model));
  return { outcome, revision: prepared.revision, routedAt: performance.now() };
}

async function runtimeUpdate(steps: ExecuteSteps, prepared: Prepared): Promise<ApplyResult> {
  const { options, state } = steps;
  if (prepared.plan.kind !== "runtime") throw new Error("runtimeUpdate needs a runtime plan");
  const previousLayout = state.served.layout!;
  try {
    await options.runCommands(prepared.plan.ops.flatMap((op) => op.commands));
  } catch (error) {
    options.log.warn("runtime update failed; reloading instead", { error: describeError(error) });
    // The way back whenever the live state is in doubt: a reload with a fresh layout.
    const layout = freshLayout(prepared.model, options.layoutOptions, previousLayout);
    const text = options.pipeline.render(prepared.model, layout);
    return reload(steps, { ...prepared, layout }, text, true);
  }
  const routedAt = performance.now();
  steps.counters.runtimeUpdates += prepared.plan.ops.length;
  const key = steps.templateKey(prepared.model);
  if (prepared.text === undefined) {
    // Traffic is routed; the file on disk follows shortly (the apply queue syncs it).
    state.commit(prepared, undefined, "behind", key);
  } else {
    // The layout predicted the rendered change exactly: later changes may take the fast path.
    const predicted =
      opsKey(diffLayouts(previousLayout, prepared.layout).ops) === opsKey(prepared.plan.ops);
    steps.writeServed(prepared.text);
    state.commit(prepared, prepared.text, predicted ? "ready" : "unverified", key);
  }
  return { outcome: "runtime", revision: prepared.revision, routedAt };
}
