// Watches a running HAProxy: its worker answers `show info` on the stats socket in time, and the
// files it made in the runtime directory (sockets, pid file) are still there.

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Logger } from "../log.ts";
import { SUPERVISOR } from "../tunables.ts";
import type { Clock } from "./clock.ts";
import type { RuntimePaths } from "./paths.ts";
import type { SocketQuery } from "./reload-strategy.ts";

/** The file operations the watch and the supervisor use on the runtime directory. */
export type RuntimeFiles = {
  exists(path: string): boolean;
  makeDirectory(path: string): void;
  writeFile(path: string, text: string): void;
};

/** The runtime files through node:fs. */
export const nodeRuntimeFiles: RuntimeFiles = {
  exists: existsSync,
  makeDirectory: (path) => mkdirSync(path, { recursive: true }),
  writeFile: (path, text) => writeFileSync(path, text),
};

export type HealthWatchOptions = {
  clock: Clock;
  query: SocketQuery;
  /** Files HAProxy makes (sockets, pid file); those present after a start must stay. */
  paths: RuntimePaths;
  fs: RuntimeFiles;
  /** Checks run only while this holds (HAProxy is running, not reloading or stopping). */
  active(): boolean;
  /** The serving pid: the pid file is written again with it when the pid file alone is gone. */
  servingPid(): number | undefined;
  log: Logger;
  /** Some of the files that were there (other than the pid file) are gone. */
  onMissing(missing: string[]): Promise<void>;
  /** The worker did not answer `SUPERVISOR.probeFailuresBeforeReplace` probes in a row. */
  onUnresponsive(reason: string): Promise<void>;
};

/** What the watch last saw. */
export type HealthView = {
  /** False once a probe failed, until one succeeds. */
  responsive: boolean;
  /** Why the last probe failed, while `responsive` is false. */
  problem: string | undefined;
};

export type HealthWatch = {
  /** Notes which files the freshly started HAProxy made, and forgets past failures. */
  reset(): void;
  /** Schedules the next check unless one is scheduled. */
  arm(): void;
  disarm(): void;
  view(): HealthView;
};

/** A watch that checks every `SUPERVISOR.probeIntervalMs` while `options.active()` holds. */
export function createHealthWatch(options: HealthWatchOptions): HealthWatch {
  const { statsSocket, pidFile } = options.paths;
  let expected: string[] = [];
  let failures = 0;
  let problem: string | undefined;
  let cancel: (() => void) | undefined;

  async function probe(): Promise<void> {
    try {
      const reply = await options.query(statsSocket, "show info", SUPERVISOR.probeTimeoutMs);
      if (!/^Pid:/m.test(reply)) throw new Error(`unexpected answer to "show info"`);
      failures = 0;
      problem = undefined;
    } catch (error) {
      failures++;
      problem = `haproxy is not answering on its stats socket: ${(error as Error).message}`;
      if (failures >= SUPERVISOR.probeFailuresBeforeReplace) await options.onUnresponsive(problem);
    }
  }

  async function check(): Promise<void> {
    cancel = undefined;
    if (!options.active()) return;
    const missing = expected.filter((path) => !options.fs.exists(path));
    const pid = options.servingPid();
    if (missing.length === 1 && missing[0] === pidFile && pid !== undefined) {
      options.log.warn("haproxy's pid file is gone; writing it again", { path: pidFile });
      options.fs.makeDirectory(dirname(pidFile));
      options.fs.writeFile(pidFile, `${pid}\n`);
    } else if (missing.length > 0) await options.onMissing(missing);
    else if (expected.includes(statsSocket)) await probe();
    if (options.active()) watch.arm();
  }

  const watch: HealthWatch = {
    reset() {
      expected = Object.values(options.paths).filter((path) => options.fs.exists(path));
      failures = 0;
      problem = undefined;
    },
    arm() {
      if (cancel) return;
      cancel = options.clock.setTimer(SUPERVISOR.probeIntervalMs, () => void check());
    },
    disarm() {
      cancel?.();
      cancel = undefined;
    },
    view: () => ({ responsive: problem === undefined, problem }),
  };
  return watch;
}
