// The daemon's events and operator actions, wired (like daemon.ts): the bus, what publishes to it
// (etcd, applies, reloads, health) and the overrides kept in force around the reconciler.

import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../atomic-write.ts";
import type { DiscoveryState } from "../discovery/types.ts";
import { describeError } from "../errors.ts";
import type { RuntimePaths } from "../haproxy/paths.ts";
import { runServerCommands } from "../haproxy/runtime.ts";
import type { Supervisor } from "../haproxy/supervisor.ts";
import type { HealthMonitor } from "../health/monitor.ts";
import type { Logger } from "../log.ts";
import type { KeyDelta, Service } from "../model/types.ts";
import { createOperatorActions, type OperatorActions } from "../overrides/operator.ts";
import { createOverrideStore } from "../overrides/store.ts";
import type { Reconciler } from "../reconcile/reconciler.ts";
import { EVENTS } from "../tunables.ts";
import { createEventBus, type EventBus } from "./bus.ts";
import { createChangePublisher } from "./changes.ts";
import { observeReconciler, observeSupervisor } from "./observe.ts";

export type DaemonEvents = {
  bus: EventBus;
  publish(type: string, data: Record<string, unknown>): void;
  operator: OperatorActions;
  /** The reconciler, publishing applies and keeping overrides in force. */
  reconciler(reconciler: Reconciler): Reconciler;
  /** The supervisor, publishing reloads. */
  supervisor(supervisor: Supervisor): Supervisor;
  /** Keys changed in etcd, at `revision`. */
  changed(changes: readonly KeyDelta[], revision: number): void;
  /** Discovery's connection state changed. */
  etcdState(state: DiscoveryState): void;
  applyFailed(error: unknown): void;
  watchHealth(monitor: Pick<HealthMonitor, "onTransition">): void;
  /** Served services with each server's `override` ("drain", "maint" or null). */
  withOverrides(services: readonly Service[]): Service[];
};

export type DaemonEventsOptions = {
  log: Logger;
  /** HAProxy's stats socket, for the overrides' own runtime commands. */
  paths: Pick<RuntimePaths, "statsSocket">;
  /** HAProxy's server-state file (pipeline.ts serverStateFile). */
  stateFile: string;
  /** The reconciler, once made. */
  reconciler(): Pick<Reconciler, "served" | "layout">;
};

/** Rewrites `path` through `transform` when it exists; a failure is logged, not thrown. */
function rewriteFile(path: string, transform: (text: string) => string, log: Logger): void {
  try {
    if (existsSync(path)) writeFileAtomic(path, transform(readFileSync(path, "utf8")));
  } catch (error) {
    log.warn("cannot update the server-state file", { path, error: describeError(error) });
  }
}

export function createDaemonEvents(options: DaemonEventsOptions): DaemonEvents {
  const { log } = options;
  const bus = createEventBus({
    capacity: EVENTS.capacity,
    onListenerError: (error) =>
      log.warn("an event listener failed", { error: describeError(error) }),
  });
  const publish = (type: string, data: Record<string, unknown>) => void bus.publish(type, data);
  const operator = createOperatorActions({
    store: createOverrideStore(),
    served: () => options.reconciler().served(),
    layout: () => options.reconciler().layout(),
    runCommands: (commands) => runServerCommands(options.paths.statsSocket, commands),
    publish,
    rewriteStateFile: (transform) => rewriteFile(options.stateFile, transform, log),
    log,
  });
  const changes = createChangePublisher(publish, EVENTS.changesPerBatch);
  let connected: boolean | undefined;
  return {
    bus,
    publish,
    operator,
    reconciler: (reconciler) => observeReconciler(reconciler, publish, operator),
    supervisor: (supervisor) => observeSupervisor(supervisor, publish),
    changed: changes,
    etcdState(state) {
      if (state.connected === connected) return;
      connected = state.connected;
      publish("etcd", {
        connected: state.connected,
        revision: state.revision,
        error: state.connected ? null : (state.lastError ?? null),
      });
    },
    applyFailed: (error) => publish("apply_failed", { error: describeError(error) }),
    watchHealth(monitor) {
      monitor.onTransition((transition) => {
        // A server seen for the first time did not change: its state is in /v1/services.
        if (transition.from === null) return;
        publish("health", {
          service: transition.service,
          server: transition.name,
          key: transition.key,
          from: transition.from,
          to: transition.to,
          error: transition.lastError,
        });
      });
    },
    withOverrides: (services) =>
      services.map((service) => ({
        ...service,
        servers: service.servers.map((server) => ({
          ...server,
          override: operator.overrideOf(server.key),
        })),
      })),
  };
}
