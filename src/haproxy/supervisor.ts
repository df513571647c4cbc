// The HAProxy supervisor's contract (start, reload, restart after a crash, stop) and its factory.

import type { ReloadMode } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import { type Clock, systemClock } from "./clock.ts";
import { HaproxySupervisor } from "./haproxy-supervisor.ts";
import type { RuntimeFiles } from "./health-watch.ts";
import type { RuntimePaths } from "./paths.ts";
import { createBunProcessRunner, type ProcessRunner } from "./process-runner.ts";
import { createReloadStrategy, type SocketQuery } from "./reload-strategy.ts";
import { sendCommand } from "./socket.ts";
import type { SupervisorState } from "./supervisor-state.ts";

export type { SupervisorState } from "./supervisor-state.ts";

export type SupervisorOptions = {
  binary: string;
  /** The configuration file HAProxy loads (always the applied one). */
  config: string;
  mode: ReloadMode;
  paths: RuntimePaths;
  /** Old workers are given this long to finish on stop, ms (at most `SUPERVISOR.stopTimeoutMaxMs`). */
  stopTimeoutMs: number;
  /** In `sf` mode, old processes beyond this many are stopped at once (oldest first). */
  maxOldWorkers: number;
  /** Called after HAProxy was restarted following a crash. */
  onRestarted?: () => void;
  log: Logger;
  /** Spawns HAProxy; default: Bun.spawn with the cleaned environment. */
  runner?: ProcessRunner;
  /** Time and timers; default: the system clock. */
  clock?: Clock;
  /** Asks HAProxy's master CLI and stats socket; default: `sendCommand`. */
  query?: SocketQuery;
  /** The runtime directory's files; default: node:fs. */
  files?: RuntimeFiles;
  /** Where leftover HAProxy processes are looked for on start; default `/proc`. */
  procRoot?: string;
  /** Signals a process that is not a child (a leftover, a master's worker); default `process.kill`. */
  signalPid?: (pid: number, signal: NodeJS.Signals) => void;
};

export type SupervisorStatus = {
  running: boolean;
  /** The supervisor's state (see supervisor-state.ts). */
  state: SupervisorState;
  mode: ReloadMode;
  /** Master pid (master-worker) or the current process (sf). */
  pid: number | undefined;
  workers: number[];
  reloads: number;
  restarts: number;
  lastReloadAt: string | undefined;
  /** False while the worker does not answer its stats socket (see health-watch.ts). */
  responsive: boolean;
  /** Why HAProxy is not responsive, while it is not. */
  problem: string | undefined;
};

export type Supervisor = {
  /** Starts HAProxy and resolves when it serves; throws when it cannot start. */
  start(): Promise<void>;
  /** Makes HAProxy load the config file again without dropping listeners. Throws ApplyError. */
  reload(): Promise<void>;
  /** Gracefully stops HAProxy. */
  stop(): Promise<void>;
  isStarted(): boolean;
  status(): Promise<SupervisorStatus>;
};

/** A supervisor for the HAProxy binary, in the reload mode `options.mode`. */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const clock = options.clock ?? systemClock;
  const query = options.query ?? sendCommand;
  const strategy = createReloadStrategy(options.mode, {
    config: options.config,
    paths: options.paths,
    maxOldWorkers: options.maxOldWorkers,
    query,
    clock,
    log: options.log,
  });
  return new HaproxySupervisor(
    options,
    strategy,
    options.runner ?? createBunProcessRunner(),
    clock,
    query,
  );
}
