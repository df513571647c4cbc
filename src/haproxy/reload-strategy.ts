// How HAProxy is started and reloaded: the interface both reload modes implement, and the choice.

import type { ReloadMode } from "../config/schema.ts";
import type { Logger } from "../log.ts";
import type { Clock } from "./clock.ts";
import { createMasterWorkerStrategy } from "./master-worker-strategy.ts";
import type { RuntimePaths } from "./paths.ts";
import type { ChildProcess } from "./process-runner.ts";
import { createSoftFinishStrategy } from "./soft-finish-strategy.ts";

/** Sends one command to a HAProxy socket at `path` and resolves with the whole reply. */
export type SocketQuery = (path: string, command: string, timeoutMs: number) => Promise<string>;

/** What the supervisor lends a strategy during a reload. */
export type Launcher = {
  /** Spawns HAProxy with `args` after the binary; its output is logged and its exit watched. */
  launch(args: string[]): ChildProcess;
  /** Resolves once `child` serves; throws ApplyError when it exits first or takes too long. */
  waitReady(child: ChildProcess): Promise<void>;
};

export type ProcessView = {
  /** Master pid (master-worker) or the current process (sf). */
  pid: number | undefined;
  workers: number[];
};

export interface ReloadStrategy {
  readonly mode: ReloadMode;
  /** Arguments after the binary for a process started from nothing. */
  startArguments(): string[];
  /** Whether `child` serves; may throw while its sockets do not answer yet. */
  isReady(child: ChildProcess): Promise<boolean>;
  /**
   * Makes HAProxy load the config file again without dropping listeners, and resolves with the
   * process that serves afterwards. Throws ApplyError when HAProxy refused; the old one serves.
   */
  reload(current: ChildProcess, launcher: Launcher): Promise<ChildProcess>;
  /** The pids to show in status while `current` (or nothing) serves. */
  describe(current: ChildProcess | undefined): Promise<ProcessView>;
}

export type StrategyOptions = {
  /** The configuration file HAProxy loads. */
  config: string;
  paths: RuntimePaths;
  /** In `sf` mode, old processes beyond this many are stopped at once (oldest first). */
  maxOldWorkers: number;
  query: SocketQuery;
  clock: Clock;
  log: Logger;
};

/** The strategy for `mode`: the one place the reload mode is looked at. */
export function createReloadStrategy(mode: ReloadMode, options: StrategyOptions): ReloadStrategy {
  return mode === "master-worker"
    ? createMasterWorkerStrategy(options)
    : createSoftFinishStrategy(options);
}
