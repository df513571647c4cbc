// `sf` reloads: a new process per reload, `-sf <old> -x <stats socket>`, old ones left to finish.

import type { Logger } from "../log.ts";
import { SUPERVISOR } from "../tunables.ts";
import type { ChildProcess } from "./process-runner.ts";
import type { ReloadStrategy, SocketQuery, StrategyOptions } from "./reload-strategy.ts";

/** The pid the stats socket answers for: the process that owns the listeners now. */
async function statsPid(query: SocketQuery, statsSocket: string): Promise<number | undefined> {
  const reply = await query(statsSocket, "show info", SUPERVISOR.socketTimeoutMs);
  const match = /^Pid:\s*(\d+)/m.exec(reply);
  return match ? Number(match[1]) : undefined;
}

/** Stops the oldest of `draining` until at most `limit` are left. */
function enforceLimit(draining: Set<ChildProcess>, limit: number, log: Logger): void {
  const excess = [...draining].slice(0, Math.max(0, draining.size - limit));
  for (const stale of excess) {
    log.warn("too many old haproxy processes; stopping the oldest", { pid: stale.pid });
    stale.kill("SIGTERM");
  }
}

/** A strategy that replaces the HAProxy process on every reload (`-sf`, listeners passed by -x). */
export function createSoftFinishStrategy(options: StrategyOptions): ReloadStrategy {
  const { config, paths, query, log } = options;
  /** Old processes still finishing their connections, oldest first. */
  const draining = new Set<ChildProcess>();
  const startArguments = () => ["-f", config, "-p", paths.pidFile];

  return {
    mode: "sf",
    startArguments,

    async isReady(child) {
      return (await statsPid(query, paths.statsSocket)) === child.pid;
    },

    async reload(old, launcher) {
      const child = launcher.launch([
        ...startArguments(),
        "-sf",
        String(old.pid),
        "-x",
        paths.statsSocket,
      ]);
      try {
        await launcher.waitReady(child);
      } catch (error) {
        // The new process failed: the old one was never told to stop, so it keeps serving.
        if (child.exitCode === null) child.kill("SIGKILL");
        throw error;
      }
      draining.add(old);
      void old.exited.then(() => draining.delete(old));
      enforceLimit(draining, options.maxOldWorkers, log);
      return child;
    },

    async describe(current) {
      if (!current) return { pid: undefined, workers: [] };
      return { pid: current.pid, workers: [current.pid, ...[...draining].map((old) => old.pid)] };
    },
  };
}
