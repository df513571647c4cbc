// A fake reconciler and an apply cycle around it on a fake clock, for the cycle's tests: what
// the cycle asked is recorded as lines ("prepare r1", "wait 100ms", "execute reload r2").

import { createApplyCycle } from "../../../src/apply/cycle.ts";
import { createApplyRecord } from "../../../src/apply/record.ts";
import { createDesiredStore } from "../../../src/desired.ts";
import { createLogger } from "../../../src/log.ts";
import type { Plan } from "../../../src/plan.ts";
import type { Reconciler } from "../../../src/reconcile/reconciler.ts";
import type { FastPathState, Prepared } from "../../../src/reconcile/types.ts";
import { keySet } from "../desired-fixtures.ts";

/** A reconciler that plans what `nextPlan` says and records what it was asked. */
export function fakeReconciler(calls: string[]) {
  let fastPath: FastPathState = "ready";
  const fake = {
    nextPlan: { kind: "runtime", ops: [] } as Plan,
    syncSucceeds: true,
    failExecute: false,
    /** What `backgroundReload()` answers; a reload clears it unless `keepReasons`. */
    reasons: [] as string[],
    keepReasons: false,
    /** Revisions from which `preparePartial` serves a runtime update while a reload waits. */
    partialFrom: undefined as number | undefined,
  };
  const empty = { revision: 0, rejected: [], services: [] };
  const reconciler: Reconciler = {
    async prepare(desired, force = false) {
      const how = Array.isArray(force)
        ? ` background: ${force.join(", ")}`
        : force
          ? " forced"
          : "";
      calls.push(`prepare r${desired.revision}${how}`);
      const plan: Plan =
        force === false ? fake.nextPlan : { kind: "reload", reasons: ["reload requested"] };
      return {
        revision: desired.revision,
        desired: empty,
        model: empty,
        holds: [],
        layout: new Map(),
        text: plan.kind === "reload" ? "text" : undefined,
        catchUp: undefined,
        plan,
      } satisfies Prepared;
    },
    backgroundReload: () => fake.reasons,
    preparePartial(desired) {
      if (fake.partialFrom === undefined || desired.revision < fake.partialFrom) return undefined;
      calls.push(`partial r${desired.revision}`);
      const plan: Plan = { kind: "runtime", ops: [] };
      const { revision } = desired;
      const layout = new Map();
      return {
        revision,
        desired: empty,
        model: empty,
        holds: [],
        layout,
        text: undefined,
        catchUp: undefined,
        plan,
      };
    },
    waitsBeforeReload: (prepared) => prepared.plan.kind === "reload",
    digest: async () => undefined,
    async execute(prepared, force = false) {
      calls.push(`execute ${prepared.plan.kind} r${prepared.revision}${force ? " forced" : ""}`);
      if (fake.failExecute) throw new Error("haproxy refused");
      fastPath = prepared.plan.kind === "runtime" ? "behind" : "ready";
      if (prepared.plan.kind === "reload" && !fake.keepReasons) fake.reasons = [];
      const outcome = prepared.plan.kind === "runtime" ? "runtime" : "reloaded";
      return { outcome, revision: prepared.revision, routedAt: performance.now() };
    },
    syncFile() {
      calls.push("sync file");
      fastPath = fake.syncSucceeds ? "ready" : "broken";
      return fake.syncSucceeds;
    },
    served: () => empty,
    layout: () => undefined,
    latest: () => empty,
    holds: () => [],
    runtimeUpdates: () => 0,
    fastPath: () => fastPath,
    fileSynced: () => fastPath !== "behind" && fastPath !== "broken",
  };
  return { reconciler, fake };
}

/** A clock that moves only when told, with timers that fire as it passes them. */
export function fakeClock(start = 1_000_000) {
  let now = start;
  const timers: Array<{ at: number; run: () => void }> = [];
  return {
    now: () => now,
    setTimer(run: () => void, ms: number) {
      const timer = { at: now + ms, run };
      timers.push(timer);
      return () => {
        const index = timers.indexOf(timer);
        if (index >= 0) timers.splice(index, 1);
      };
    },
    /** Timers not fired yet, as ms from now. */
    pending: () => timers.map((timer) => timer.at - now),
    /** Moves the clock on by `ms`, firing the timers due on the way. */
    advance(ms: number) {
      now += ms;
      for (const timer of timers.filter((timer) => timer.at <= now)) {
        timers.splice(timers.indexOf(timer), 1);
        timer.run();
      }
    },
  };
}

export type CycleSettings = { reloadWaitMs?: number; minReloadIntervalMs?: number };

/** A cycle on a fake clock: each wait moves the clock on, and a change arrives meanwhile. */
export function cycleWith(calls: string[], settings: CycleSettings = {}) {
  const { reconciler, fake } = fakeReconciler(calls);
  const desired = createDesiredStore();
  const record = createApplyRecord();
  const clock = fakeClock();
  /** What the cycle told its listeners (systemd's status line listens). */
  const events: string[] = [];
  /** `nextReloadAt()` as ms from now, seen while each wait began. */
  const dueDuringWaits: Array<number | undefined> = [];
  const cycle = createApplyCycle({
    reconciler,
    desired,
    record,
    log: createLogger(() => {}),
    onApplied: (result) => events.push(`applied ${result.outcome}`),
    onFailed: (error) => events.push(`failed ${(error as Error).message}`),
    reloadWaitMs: settings.reloadWaitMs ?? 0,
    minReloadIntervalMs: settings.minReloadIntervalMs ?? 0,
    now: clock.now,
    setTimer: clock.setTimer,
    sleep: async (ms) => {
      calls.push(`wait ${ms}ms`);
      const due = cycle.nextReloadAt();
      dueDuringWaits.push(due === undefined ? undefined : due - clock.now());
      clock.advance(ms);
      // A change arrives while the reload waits.
      desired.fromEtcd(keySet([], desired.current().revision + 1));
    },
    collectGarbage: () => calls.push("gc"),
  });
  return { cycle, fake, desired, record, events, clock, dueDuringWaits };
}
