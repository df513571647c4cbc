// The supervisor's named states and the transitions between them, held in one place.

/**
 * - `stopped`: no HAProxy process (before the first start, after a failed start, after stop).
 * - `starting`: a first process was spawned and is not serving yet.
 * - `running`: HAProxy serves.
 * - `reloading`: HAProxy serves and is loading the config file again.
 * - `restarting`: the serving process exited; a new one is scheduled or being started.
 * - `stopping`: every process was asked to finish.
 */
export type SupervisorState =
  | "stopped"
  | "starting"
  | "running"
  | "reloading"
  | "restarting"
  | "stopping";

/** For each state, the states it may be entered from. */
const ENTERED_FROM: Record<SupervisorState, readonly SupervisorState[]> = {
  stopped: ["starting", "stopping"],
  starting: ["stopped"],
  running: ["starting", "reloading", "restarting"],
  reloading: ["running"],
  restarting: ["running", "reloading", "restarting"],
  stopping: ["starting", "running", "reloading", "restarting"],
};

export type StateMachine = {
  /** The state now (a method, so a check before an `await` is not trusted after it). */
  current(): SupervisorState;
  /** Moves to `next`; throws when `next` cannot follow the current state. */
  moveTo(next: SupervisorState): void;
};

/** A state machine that starts in `stopped`. */
export function createStateMachine(): StateMachine {
  let current: SupervisorState = "stopped";
  return {
    current: () => current,
    moveTo(next) {
      if (!ENTERED_FROM[next].includes(current)) {
        throw new Error(`haproxy supervisor: cannot go from ${current} to ${next}`);
      }
      current = next;
    },
  };
}
