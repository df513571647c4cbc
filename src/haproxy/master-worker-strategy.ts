// Master-worker reloads: one `-W -S master.sock` master, reloaded by SIGUSR2, judged by `show proc`.

import { ApplyError } from "../errors.ts";
import { SUPERVISOR } from "../tunables.ts";
import { hasEnded } from "./process-runner.ts";
import type { ReloadStrategy, StrategyOptions } from "./reload-strategy.ts";
import { type ProcessList, parseShowProc } from "./socket.ts";

/** The master's process list has a worker that was started by the newest (re)load. */
function hasCurrentWorker(processes: ProcessList | undefined): processes is ProcessList {
  return processes?.workers.some((worker) => worker.reloads === 0) ?? false;
}

/** A strategy that runs HAProxy as a master and reloads it in place. */
export function createMasterWorkerStrategy(options: StrategyOptions): ReloadStrategy {
  const { config, paths, query, clock } = options;
  // During a reload the master re-executes and does not answer: status keeps the last list.
  let knownWorkers: number[] = [];

  async function showProc(): Promise<ProcessList | undefined> {
    return parseShowProc(await query(paths.masterSocket, "show proc", SUPERVISOR.socketTimeoutMs));
  }

  return {
    mode: "master-worker",

    startArguments: () => [
      "-W",
      "-S",
      `${paths.masterSocket},mode,600`,
      "-f",
      config,
      "-p",
      paths.pidFile,
    ],

    async isReady() {
      const processes = await showProc();
      if (!hasCurrentWorker(processes)) return false;
      knownWorkers = processes.workers.map((worker) => worker.pid);
      return true;
    },

    async reload(master) {
      const before = await showProc();
      if (!before) throw new ApplyError("haproxy master CLI gave no process list");
      // SIGUSR2 asks the master to re-execute with the config file. 2.6 reports the outcome only
      // in `show proc`, once the master is back.
      master.kill("SIGUSR2");
      const deadline = clock.now() + SUPERVISOR.readyTimeoutMs;
      while (clock.now() < deadline) {
        await clock.sleep(SUPERVISOR.reloadPollMs);
        if (hasEnded(master)) throw new ApplyError("the haproxy master exited during the reload");
        const after = await showProc().catch(() => undefined);
        if (!after || after.reloads <= before.reloads) continue;
        if (after.failedReloads > before.failedReloads) {
          throw new ApplyError("haproxy refused the reload; the previous workers keep serving");
        }
        if (hasCurrentWorker(after)) {
          knownWorkers = after.workers.map((worker) => worker.pid);
          return master;
        }
      }
      throw new ApplyError(`haproxy reload did not finish within ${SUPERVISOR.readyTimeoutMs}ms`);
    },

    async describe(master) {
      if (!master) {
        knownWorkers = [];
        return { pid: undefined, workers: [] };
      }
      const processes = await showProc().catch(() => undefined);
      if (!processes) return { pid: master.pid, workers: knownWorkers };
      knownWorkers = processes.workers.map((worker) => worker.pid);
      return { pid: processes.masterPid, workers: knownWorkers };
    },
  };
}
