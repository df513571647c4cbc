// Runs HAProxy as a child: start, reload (master-worker or -sf), restart with backoff, stop.

import type { Subprocess } from "bun";
import { ApplyError, describeError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { restartDelay } from "./backoff.ts";
import type { RuntimePaths } from "./paths.ts";
import { parseShowProc, sendCommand } from "./socket.ts";

export type SupervisorOptions = {
  binary: string;
  /** The configuration file HAProxy loads (always the applied one). */
  config: string;
  mode: "master-worker" | "sf";
  paths: RuntimePaths;
  /** Old workers are given this long to finish on stop, ms. */
  stopTimeoutMs: number;
  /** In `sf` mode, old processes beyond this many are stopped at once (oldest first). */
  maxOldWorkers: number;
  /** Called after HAProxy was restarted following a crash. */
  onRestarted?: () => void;
  log: Logger;
};

export type SupervisorStatus = {
  running: boolean;
  mode: "master-worker" | "sf";
  /** Master pid (master-worker) or the current process (sf). */
  pid: number | undefined;
  workers: number[];
  reloads: number;
  restarts: number;
  lastReloadAt: string | undefined;
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

const READY_TIMEOUT_MS = 10_000;
const STABLE_AFTER_MS = 10_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** HAProxy must not talk to systemd on sluice's behalf. */
function childEnvironment(): Record<string, string | undefined> {
  const env = { ...process.env };
  for (const key of ["NOTIFY_SOCKET", "WATCHDOG_PID", "WATCHDOG_USEC"]) delete env[key];
  return env;
}

/**
 * Logs HAProxy's output line by line. A line repeated more than 3 times within 5 s is counted
 * instead of logged (HAProxy can print one warning per server pair, quadratic in servers).
 */
async function pipeLines(stream: ReadableStream<Uint8Array>, log: Logger): Promise<void> {
  const decoder = new TextDecoder();
  let buffer = "";
  let seen = new Map<string, number>();
  let windowStart = Date.now();
  const flushRepeats = () => {
    for (const [line, count] of seen) {
      if (count > 3) log.info("haproxy repeated a line", { times: count - 3, line });
    }
    seen = new Map();
    windowStart = Date.now();
  };
  const emit = (line: string) => {
    if (Date.now() - windowStart > 5000) flushRepeats();
    const key = line.replace(/\(\d+\)/, "");
    const count = (seen.get(key) ?? 0) + 1;
    seen.set(key, count);
    if (count <= 3) (line.includes("[ALERT]") ? log.warn : log.info)("haproxy", { line });
  };
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) emit(line);
      newline = buffer.indexOf("\n");
    }
  }
  flushRepeats();
}

/** A supervisor for the real HAProxy binary. */
export function createSupervisor(options: SupervisorOptions): Supervisor {
  const { binary, config, mode, paths, log } = options;
  let current: Subprocess | undefined;
  let stopping = false;
  let started = false;
  let reloads = 0;
  let restarts = 0;
  let failures = 0;
  let lastReloadAt: string | undefined;
  let restartTimer: ReturnType<typeof setTimeout> | undefined;
  const draining = new Set<Subprocess>();
  let knownWorkers: number[] = [];

  function spawn(extra: string[]): Subprocess {
    const args =
      mode === "master-worker"
        ? [binary, "-W", "-S", `${paths.masterSocket},mode,600`, "-f", config, "-p", paths.pidFile]
        : [binary, "-f", config, "-p", paths.pidFile, ...extra];
    const child = Bun.spawn(args, {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      env: childEnvironment(),
    });
    void pipeLines(child.stdout as ReadableStream<Uint8Array>, log);
    void pipeLines(child.stderr as ReadableStream<Uint8Array>, log);
    const spawnedAt = Date.now();
    void child.exited.then((code) => onExit(child, code, spawnedAt));
    return child;
  }

  function onExit(child: Subprocess, code: number | null, spawnedAt: number): void {
    draining.delete(child);
    if (child !== current) return;
    current = undefined;
    if (stopping) return;
    log.error("haproxy exited", { pid: child.pid, code: code ?? child.signalCode ?? "unknown" });
    if (Date.now() - spawnedAt > STABLE_AFTER_MS) failures = 0;
    const delay = restartDelay(failures++);
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (stopping) return;
      restarts++;
      log.info("restarting haproxy", { after_ms: delay, restarts });
      startProcess()
        .then(() => options.onRestarted?.())
        .catch((error) => log.error("haproxy restart failed", { error: describeError(error) }));
    }, delay);
  }

  async function masterProcesses() {
    const reply = await sendCommand(paths.masterSocket, "show proc", 2000);
    return parseShowProc(reply);
  }

  async function statsPid(): Promise<number | undefined> {
    const reply = await sendCommand(paths.statsSocket, "show info", 2000);
    const match = /^Pid:\s*(\d+)/m.exec(reply);
    return match ? Number(match[1]) : undefined;
  }

  /** Waits until `child` serves, or throws when it exits first or takes too long. */
  async function waitReady(child: Subprocess): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new ApplyError(
          `haproxy exited during start-up (code ${child.exitCode ?? child.signalCode})`,
        );
      }
      try {
        if (mode === "master-worker") {
          const procs = await masterProcesses();
          if (procs?.workers.some((w) => w.reloads === 0)) {
            knownWorkers = procs.workers.map((w) => w.pid);
            return;
          }
        } else if ((await statsPid()) === child.pid) {
          return;
        }
      } catch {
        // Not listening yet.
      }
      await sleep(20);
    }
    throw new ApplyError(`haproxy did not become ready within ${READY_TIMEOUT_MS}ms`);
  }

  async function startProcess(): Promise<void> {
    const child = spawn([]);
    current = child;
    try {
      await waitReady(child);
    } catch (error) {
      if (child.exitCode === null) child.kill("SIGKILL");
      throw error;
    }
    log.info("haproxy started", { pid: child.pid, mode });
  }

  async function reloadMasterWorker(): Promise<void> {
    const before = await masterProcesses();
    if (!before) throw new ApplyError("haproxy master CLI gave no process list");
    // SIGUSR2 asks the master to re-execute with the config file. 2.6 reports the outcome only in
    // `show proc`, once the master is back.
    current!.kill("SIGUSR2");
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      await sleep(10);
      const after = await masterProcesses().catch(() => undefined);
      if (!after || after.reloads <= before.reloads) continue;
      if (after.failedReloads > before.failedReloads) {
        throw new ApplyError("haproxy refused the reload; the previous workers keep serving");
      }
      if (after.workers.some((w) => w.reloads === 0)) {
        knownWorkers = after.workers.map((w) => w.pid);
        return;
      }
    }
    throw new ApplyError(`haproxy reload did not finish within ${READY_TIMEOUT_MS}ms`);
  }

  async function reloadSf(): Promise<void> {
    const old = current;
    if (!old) throw new ApplyError("haproxy is not running");
    const child = spawn(["-sf", String(old.pid), "-x", paths.statsSocket]);
    current = child;
    try {
      await waitReady(child);
    } catch (error) {
      // The new process failed: the old one was never told to stop, so it keeps serving.
      if (child.exitCode === null) child.kill("SIGKILL");
      if (old.exitCode === null) current = old;
      throw error;
    }
    draining.add(old);
    for (const stale of [...draining].slice(
      0,
      Math.max(0, draining.size - options.maxOldWorkers),
    )) {
      log.warn("too many old haproxy processes; stopping the oldest", { pid: stale.pid });
      stale.kill("SIGTERM");
    }
  }

  return {
    async start() {
      stopping = false;
      await startProcess();
      started = true;
    },

    async reload() {
      if (!current) throw new ApplyError("haproxy is not running");
      if (mode === "master-worker") await reloadMasterWorker();
      else await reloadSf();
      reloads++;
      lastReloadAt = new Date().toISOString();
    },

    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const children = [current, ...draining].filter((c): c is Subprocess => c !== undefined);
      // SIGUSR1 is HAProxy's soft stop: listeners close, requests in flight finish.
      for (const child of children) child.kill("SIGUSR1");
      const all = Promise.all(children.map((c) => c.exited));
      const timedOut = await Promise.race([
        all.then(() => false),
        sleep(options.stopTimeoutMs).then(() => true),
      ]);
      if (timedOut) for (const child of children) child.kill("SIGKILL");
      await all;
      current = undefined;
      started = false;
    },

    isStarted: () => started && current !== undefined,

    async status() {
      let pid = current?.pid;
      if (current && mode === "master-worker") {
        // During a reload the master re-executes and does not answer: keep the last list.
        const procs = await masterProcesses().catch(() => undefined);
        if (procs) {
          knownWorkers = procs.workers.map((w) => w.pid);
          pid = procs.masterPid;
        }
      } else if (current) {
        knownWorkers = [current.pid, ...[...draining].map((c) => c.pid)];
      }
      if (!current) knownWorkers = [];
      return {
        running: current !== undefined && current.exitCode === null,
        mode,
        pid,
        workers: knownWorkers,
        reloads,
        restarts,
        lastReloadAt,
      };
    },
  };
}
