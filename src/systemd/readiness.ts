// What sluice tells systemd about its life (Type=notify): READY=1 once HAProxy first serves,
// RELOADING=1 (with MONOTONIC_USEC) before and READY=1 after every reload, STOPPING=1 when shutdown
// starts, and STATUS= lines, coalesced, when what it serves or etcd's state changes.

import { createCoalescer, type Timers } from "../coalesce.ts";
import { describeError } from "../errors.ts";
import { createStateMachine, type Transitions } from "../state.ts";
import { SYSTEMD } from "../tunables.ts";
import type { Notifier } from "./notify.ts";
import { describeStatus, type StatusFacts } from "./status-line.ts";

/**
 * Where sluice is, as systemd is told:
 * - `starting`: HAProxy has not served yet (no READY=1 sent);
 * - `ready`: READY=1 was sent and no reload is running;
 * - `reloading`: RELOADING=1 was sent; READY=1 follows when the last open reload ends;
 * - `stopping`: STOPPING=1 was sent; nothing but STATUS= follows.
 */
export type ReadinessState = "starting" | "ready" | "reloading" | "stopping";

const TRANSITIONS: Transitions<ReadinessState> = {
  starting: ["ready", "stopping"],
  ready: ["reloading", "stopping"],
  reloading: ["ready", "stopping"],
  stopping: [],
};

export type ReadinessOptions = {
  notifier: Pick<Notifier, "send" | "monotonicMicros">;
  /** What the status line says, read when a line is sent. */
  facts(): Omit<StatusFacts, "serving">;
  /** Timers of the STATUS= coalescer; default setTimeout. */
  timers?: Timers;
};

export type Readiness = {
  /** HAProxy serves a good config: READY=1, the first time only. */
  serving(): void;
  /**
   * Runs `reload` inside a reload window: RELOADING=1 when the first window opens, READY=1 when
   * the last one closes, also after a failure (the old config keeps serving; STATUS= says so).
   * Windows may overlap or nest (a forced reload around HAProxy's reload): one pair is sent.
   */
  reloading<T>(reload: () => Promise<T>): Promise<T>;
  /** Something the status line shows changed: STATUS= soon, once for a burst, if it differs. */
  changed(): void;
  /** Shutdown started: STOPPING=1. */
  stopping(): void;
  /** Cancels a pending STATUS= update. */
  cancel(): void;
  state(): ReadinessState;
};

export function createReadiness(options: ReadinessOptions): Readiness {
  const { notifier } = options;
  const state = createStateMachine<ReadinessState>("readiness", "starting", TRANSITIONS);
  let openWindows = 0;
  /** The error of a reload in the open windows, shown when they close. */
  let failure: string | undefined;
  let lastStatus: string | undefined;

  const statusText = (problem?: string) => {
    const facts = { ...options.facts(), serving: !state.is("starting") };
    return describeStatus(problem ? { ...facts, problem } : facts);
  };
  const send = (lines: string[], status: string) => {
    lastStatus = status;
    notifier.send([...lines, `STATUS=${status}`]);
  };
  const coalescer = createCoalescer(
    () => {
      const status = statusText();
      if (status !== lastStatus && !state.is("stopping")) send([], status);
    },
    SYSTEMD.statusQuietMs,
    SYSTEMD.statusMaxDelayMs,
    options.timers,
  );

  function open(): void {
    openWindows++;
    if (openWindows === 1) failure = undefined;
    if (!state.is("ready")) return;
    state.moveTo("reloading");
    // systemd takes a RELOADING=1 as this reload only with a timestamp after it asked for one.
    const now = notifier.monotonicMicros();
    send(["RELOADING=1", ...(now ? [`MONOTONIC_USEC=${now}`] : [])], "reloading haproxy");
  }

  function close(error: unknown): void {
    openWindows--;
    if (error !== undefined) failure = describeError(error);
    if (openWindows > 0 || !state.is("reloading")) return;
    state.moveTo("ready");
    // A separate datagram: systemd reads READY=1 over RELOADING=1 when both come in one.
    send(["READY=1"], statusText(failure));
  }

  async function reloading<T>(reload: () => Promise<T>): Promise<T> {
    open();
    let result: T;
    try {
      result = await reload();
    } catch (error) {
      close(error ?? "failed");
      throw error;
    }
    close(undefined);
    return result;
  }

  return {
    serving() {
      if (!state.is("starting")) return;
      state.moveTo("ready");
      send(["READY=1"], statusText());
      // The counts of what HAProxy now serves are known once the apply is recorded.
      coalescer.poke();
    },
    reloading,
    changed: () => coalescer.poke(),
    stopping() {
      if (state.is("stopping")) return;
      state.moveTo("stopping");
      coalescer.cancel();
      send(["STOPPING=1"], "stopping: haproxy finishes the requests in flight");
    },
    cancel: () => coalescer.cancel(),
    state: () => state.current(),
  };
}
