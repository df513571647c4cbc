// The supervisor's named states and the transitions between them, held in one place.

import { createStateMachine, type StateMachine, type Transitions } from "../state.ts";

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

/** For each state, the states it may move to. */
export const SUPERVISOR_TRANSITIONS: Transitions<SupervisorState> = {
  stopped: ["starting"],
  starting: ["running", "stopped", "stopping"],
  running: ["reloading", "restarting", "stopping"],
  reloading: ["running", "restarting", "stopping"],
  restarting: ["running", "restarting", "stopping"],
  stopping: ["stopped"],
};

/** The supervisor's state machine, starting in `stopped`. */
export function createSupervisorStates(): StateMachine<SupervisorState> {
  return createStateMachine("haproxy supervisor", "stopped", SUPERVISOR_TRANSITIONS);
}
