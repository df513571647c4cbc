// Wrappers that publish what the reconciler and the supervisor do: each apply (its kind, how long
// it took, how many runtime commands), each HAProxy reload and its result; and after each apply
// the operator overrides are kept in force and newly rejected keys and held removals told.

import { describeError } from "../errors.ts";
import type { Supervisor } from "../haproxy/supervisor.ts";
import type { OperatorActions } from "../overrides/operator.ts";
import type { Reconciler } from "../reconcile/reconciler.ts";
import type { ApplyResult, Prepared } from "../reconcile/types.ts";
import { EVENTS } from "../tunables.ts";
import { createHoldPublisher, createRejectionPublisher, type Publish } from "./changes.ts";

const APPLY_KINDS: Record<ApplyResult["outcome"], string> = {
  runtime: "runtime",
  reloaded: "reload",
  started: "start",
  unchanged: "unchanged",
  "file-synced": "file-synced",
};

const elapsed = (since: number) => Math.round((performance.now() - since) * 100) / 100;

/** The runtime API commands an apply sent (0 when it reloaded instead). */
function commandCount(prepared: Prepared, result: ApplyResult): number {
  if (result.outcome !== "runtime" || prepared.plan.kind !== "runtime") return 0;
  return prepared.plan.ops.reduce((sum, op) => sum + op.commands.length, 0);
}

/** `reconciler`, publishing every apply that changed what HAProxy serves. */
export function observeReconciler(
  reconciler: Reconciler,
  publish: Publish,
  operator: Pick<OperatorActions, "reassert" | "prune">,
): Reconciler {
  const rejections = createRejectionPublisher(publish, EVENTS.rejectedPerApply);
  const holds = createHoldPublisher(publish);
  return {
    ...reconciler,
    async execute(prepared, force) {
      const started = performance.now();
      const result = await reconciler.execute(prepared, force);
      // A reload or start loads the config, whose servers know nothing of the overrides.
      if (result.outcome === "reloaded" || result.outcome === "started") await operator.reassert();
      operator.prune();
      if (result.outcome !== "unchanged") {
        publish("apply", {
          kind: APPLY_KINDS[result.outcome],
          duration_ms: elapsed(started),
          commands: commandCount(prepared, result),
          revision: result.revision,
        });
      }
      rejections(prepared.desired.rejected);
      holds(prepared.holds);
      return result;
    },
  };
}

/** `supervisor`, publishing every reload of HAProxy and how it went. */
export function observeSupervisor(supervisor: Supervisor, publish: Publish): Supervisor {
  return {
    ...supervisor,
    async reload() {
      const started = performance.now();
      try {
        await supervisor.reload();
      } catch (error) {
        publish("reload", {
          ok: false,
          duration_ms: elapsed(started),
          error: describeError(error),
        });
        throw error;
      }
      publish("reload", { ok: true, duration_ms: elapsed(started), error: null });
    },
  };
}
