// The discovery loop's named states and the transitions allowed out of each (see src/state.ts).

import { createStateMachine, type StateMachine } from "../state.ts";
import type { DiscoveryStateName } from "./types.ts";

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

/** The discovery loop's states, starting in "idle". */
export function createDiscoveryStates(): StateMachine<DiscoveryStateName> {
  return createStateMachine("etcd discovery", "idle", DISCOVERY_TRANSITIONS);
}
