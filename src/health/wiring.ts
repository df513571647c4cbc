// Builds the health monitor the daemon runs from sluice.toml, and its lifecycle part.

import type { SluiceConfig } from "../config/schema.ts";
import type { Discovery } from "../discovery/types.ts";
import { systemClock } from "../haproxy/clock.ts";
import type { RuntimePaths } from "../haproxy/paths.ts";
import type { Supervisor } from "../haproxy/supervisor.ts";
import type { Part } from "../lifecycle.ts";
import type { Logger } from "../log.ts";
import type { Reconciler } from "../reconcile/reconciler.ts";
import { createStatsSource } from "./details.ts";
import { createHealthMonitor, type HealthMonitor } from "./monitor.ts";

/** Longest time between two polls: transitions show within a second even with long intervals. */
const MAX_POLL_MS = 1000;

/** min(the shortest check interval of [health] and the [[service]] overrides, 1 s). */
export function pollInterval(config: SluiceConfig): number {
  const intervals = config.services.map((service) => service.healthIntervalMs ?? Infinity);
  return Math.min(config.health.intervalMs, ...intervals, MAX_POLL_MS);
}

/** The daemon's parts the monitor reads: the served layout, etcd's revision, whether HAProxy runs. */
export type HealthWiring = {
  reconciler: Pick<Reconciler, "layout">;
  discovery: Pick<Discovery, "state">;
  supervisor: Pick<Supervisor, "isStarted">;
  log: Logger;
};

/** The monitor of the daemon, reading HAProxy's stats socket. */
export function createHealthMonitorFor(
  config: SluiceConfig,
  paths: Pick<RuntimePaths, "statsSocket">,
  wiring: HealthWiring,
): HealthMonitor {
  return createHealthMonitor({
    enabled: config.health.enabled,
    pollIntervalMs: pollInterval(config),
    source: createStatsSource(paths.statsSocket),
    layout: () => wiring.reconciler.layout(),
    revision: () => wiring.discovery.state().revision,
    active: () => wiring.supervisor.isStarted(),
    clock: systemClock,
    log: wiring.log,
  });
}

/** The monitor as a part: started once HAProxy may run, stopped before HAProxy is. */
export function healthPart(monitor: HealthMonitor): Part {
  return { name: "health monitor", start: () => monitor.start(), stop: () => monitor.stop() };
}
