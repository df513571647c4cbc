// Why removals are held now: each condition that must hold before a key is deleted, as the
// reason status shows when it does not. The remover asks at every poll.

import type { HealthConfig } from "../config/schema.ts";
import type { Leadership } from "./leadership.ts";
import type { PanicReading } from "./removal-policy.ts";
import type { HealthSource, RemovalConditions } from "./remover.ts";

export type HoldInputs = {
  config: Pick<HealthConfig, "enabled" | "removeAfterMs" | "panicThreshold">;
  leadership: Pick<Leadership, "fence">;
  health: Pick<HealthSource, "stale">;
  conditions: RemovalConditions;
  panic: PanicReading;
};

/** Every reason removals may not go ahead now; empty when they may. */
export async function removalHolds(inputs: HoldInputs): Promise<string[]> {
  const { config, panic, conditions } = inputs;
  if (!config.enabled) return ["health checks are off ([health] enabled = false)"];
  if (config.removeAfterMs === 0) return ['removal is off ([health] remove_after = "0s")'];
  const held: string[] = [];
  if (inputs.leadership.fence() === undefined) held.push("not the removal leader");
  if (panic.panic) {
    held.push(
      `panic: ${panic.down} of ${panic.checked} checked servers are down (more than ${config.panicThreshold}%)`,
    );
  }
  const etcd = conditions.etcd();
  if (!etcd.connected) held.push("etcd is not connected");
  else if (!etcd.synced) held.push("etcd is not synced");
  const haproxy = await conditions.haproxyProblem();
  if (haproxy !== undefined) held.push(`haproxy: ${haproxy}`);
  if (inputs.health.stale()) held.push("health data is stale");
  return held;
}
