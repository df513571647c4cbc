// A named state and the transitions allowed out of each: a transition from any other state
// throws at once, so a wrong order shows up instead of a silent mix of flags. The discovery
// loop's own transitions are here too.

import type { DiscoveryStateName } from "./types.ts";

/** A state holder for one long-lived thing (the discovery loop, one watch stream). */
export type Lifecycle<State extends string> = {
  readonly current: State;
  /** Whether the current state is one of `states`. */
  is(...states: State[]): boolean;
  /** Moves to `next`; throws when `next` may not follow the current state. */
  moveTo(next: State): void;
};

/**
 * Creates a lifecycle in `initial`. `transitions` lists, for every state, the states that may
 * follow it; `name` says whose lifecycle it is in the error a wrong transition throws.
 */
export function createLifecycle<State extends string>(
  name: string,
  initial: State,
  transitions: Readonly<Record<State, readonly State[]>>,
): Lifecycle<State> {
  let current = initial;
  return {
    get current() {
      return current;
    },
    is: (...states) => states.includes(current),
    moveTo(next) {
      if (!transitions[current].includes(next)) {
        throw new Error(`${name}: cannot move from ${current} to ${next}`);
      }
      current = next;
    },
  };
}

/** The states of the discovery loop that may follow each one (see `DiscoveryStateName`). */
const DISCOVERY_TRANSITIONS: Readonly<Record<DiscoveryStateName, readonly DiscoveryStateName[]>> = {
  idle: ["connecting", "stopped"],
  connecting: ["listing", "backing-off", "stopped"],
  // A session that served long enough goes to the next endpoint at once, without backing off.
  // Listing again follows a compaction reported before the watch was even created.
  listing: ["watching", "listing", "backing-off", "connecting", "stopped"],
  watching: ["listing", "backing-off", "connecting", "stopped"],
  "backing-off": ["connecting", "stopped"],
  stopped: [],
};

/** The discovery loop's lifecycle, in "idle". */
export function createDiscoveryLifecycle(): Lifecycle<DiscoveryStateName> {
  return createLifecycle("etcd discovery", "idle", DISCOVERY_TRANSITIONS);
}
