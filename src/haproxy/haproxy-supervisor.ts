// The supervisor itself: one HAProxy (and its old processes), moved through the named states.

import { dirname } from "node:path";
import { ApplyError, describeError } from "../errors.ts";
import { SUPERVISOR } from "../tunables.ts";
import { restartDelay } from "./backoff.ts";
import type { Clock } from "./clock.ts";
import { createHealthWatch, type HealthWatch, nodeRuntimeFiles } from "./health-watch.ts";
import { stopOrphans } from "./orphans.ts";
import { pipeOutput } from "./process-output.ts";
import { type ChildProcess, hasEnded, type ProcessRunner } from "./process-runner.ts";
import { endProcesses, killHung, signalProcess } from "./process-stop.ts";
import type { Launcher, ReloadStrategy, SocketQuery } from "./reload-strategy.ts";
import type { Supervisor, SupervisorOptions, SupervisorStatus } from "./supervisor.ts";
import { createSupervisorStates } from "./supervisor-state.ts";
import { waitReady } from "./wait-ready.ts";

/** Runs HAProxy through `strategy`; `createSupervisor` picks the strategy and the defaults. */
export class HaproxySupervisor implements Supervisor {
  private readonly state = createSupervisorStates();
  /** The process that serves: the master (master-worker) or the newest process (sf). */
  private current: ChildProcess | undefined;
  /** Every process spawned that has not exited yet. */
  private readonly children = new Set<ChildProcess>();
  private readonly spawnedAt = new WeakMap<ChildProcess, number>();
  private reloads = 0;
  private restarts = 0;
  /** Crashes in a row, for the restart backoff. */
  private failures = 0;
  private lastReloadAt: string | undefined;
  private cancelRestart: (() => void) | undefined;
  /** Processes a replacement leaves serving until the new HAProxy serves; then soft-stopped. */
  private retiring: ChildProcess[] = [];
  private readonly watch: HealthWatch;

  constructor(
    private readonly options: SupervisorOptions,
    private readonly strategy: ReloadStrategy,
    private readonly runner: ProcessRunner,
    private readonly clock: Clock,
    query: SocketQuery,
  ) {
    this.watch = createHealthWatch({
      ...{ clock, query, paths: options.paths, log: options.log },
      fs: options.files ?? nodeRuntimeFiles,
      active: () => this.state.current() === "running",
      servingPid: () => this.current?.pid,
      // A reload would not bind the stats socket again (its listener is passed on): a new one.
      onMissing: (missing) => this.replace(`missing ${missing.join(", ")}`, false),
      onUnresponsive: (reason) => this.replace(reason, true),
    });
  }

  async start(): Promise<void> {
    if (this.state.current() !== "stopped") {
      throw new ApplyError(`haproxy cannot be started while ${this.state.current()}`);
    }
    this.state.moveTo("starting");
    let child: ChildProcess;
    try {
      // An earlier sluice killed with -9 may have left its HAProxy running on this pid file.
      await stopOrphans({
        pidFile: this.options.paths.pidFile,
        exclude: new Set([...this.children].map((child) => child.pid)),
        clock: this.clock,
        log: this.options.log,
        procRoot: this.options.procRoot,
        signal: this.options.signalPid,
      });
      child = await this.bringUp();
    } catch (error) {
      // A stop that overtook this start has already settled the state.
      if (this.state.current() === "starting") this.state.moveTo("stopped");
      throw error;
    }
    if (this.state.current() !== "starting")
      throw new ApplyError("haproxy was stopped while starting");
    this.current = child;
    this.enterRunning(true);
  }

  async reload(): Promise<void> {
    const serving = this.current;
    if (this.state.current() === "reloading") throw new ApplyError("a reload is already running");
    if (this.state.current() !== "running" || !serving) {
      throw new ApplyError("haproxy is not running");
    }
    this.state.moveTo("reloading");
    try {
      const next = await this.strategy.reload(serving, this.launcher);
      if (this.state.current() !== "reloading") return;
      this.current = next;
      this.reloads++;
      this.lastReloadAt = new Date(this.clock.now()).toISOString();
    } finally {
      this.settleReload(serving);
    }
  }

  async stop(): Promise<void> {
    if (this.state.current() === "stopped" || this.state.current() === "stopping") return;
    this.state.moveTo("stopping");
    this.cancelRestart?.();
    this.cancelRestart = undefined;
    this.watch.disarm();
    // SIGUSR1 is HAProxy's soft stop: listeners close, requests in flight finish.
    const timeoutMs = Math.min(this.options.stopTimeoutMs, SUPERVISOR.stopTimeoutMaxMs);
    await endProcesses([...this.children], "SIGUSR1", timeoutMs, this.clock);
    this.current = undefined;
    this.state.moveTo("stopped");
  }

  isStarted(): boolean {
    return this.state.current() === "running" || this.state.current() === "reloading";
  }

  async status(): Promise<SupervisorStatus> {
    const view = await this.strategy.describe(this.current);
    return {
      running: this.current !== undefined && !hasEnded(this.current),
      state: this.state.current(),
      mode: this.strategy.mode,
      pid: view.pid,
      workers: view.workers,
      reloads: this.reloads,
      restarts: this.restarts,
      lastReloadAt: this.lastReloadAt,
      ...this.watch.view(),
    };
  }

  private readonly launcher: Launcher = {
    launch: (args: string[]) => this.launch(args),
    waitReady: (child: ChildProcess) => waitReady(child, this.strategy, this.clock),
  };

  /** After a reload: back to running while a process serves, else restart. */
  private settleReload(serving: ChildProcess): void {
    if (this.state.current() !== "reloading") return;
    if (this.current) {
      this.enterRunning(false);
      return;
    }
    this.scheduleRestart(this.spawnedAt.get(serving) ?? this.clock.now());
  }

  /** Spawns a fresh HAProxy and waits until it serves; kills it when it does not. */
  private async bringUp(): Promise<ChildProcess> {
    const child = this.launch(this.strategy.startArguments());
    try {
      await waitReady(child, this.strategy, this.clock);
    } catch (error) {
      if (child.exitCode === null) child.kill("SIGKILL");
      throw error;
    }
    this.options.log.info("haproxy started", { pid: child.pid, mode: this.strategy.mode });
    return child;
  }

  private launch(args: string[]): ChildProcess {
    const child = this.runner.spawn([this.options.binary, ...args]);
    const now = () => this.clock.now();
    void pipeOutput(child.stdout, this.options.log, now);
    void pipeOutput(child.stderr, this.options.log, now);
    const spawnedAt = this.clock.now();
    this.children.add(child);
    this.spawnedAt.set(child, spawnedAt);
    void child.exited.then((code) => this.onExit(child, code, spawnedAt));
    return child;
  }

  private onExit(child: ChildProcess, code: number | null, spawnedAt: number): void {
    this.children.delete(child);
    if (child !== this.current) return;
    this.current = undefined;
    if (this.state.current() === "stopping") return;
    this.options.log.error("haproxy exited", {
      pid: child.pid,
      code: code ?? child.signalCode ?? "unknown",
    });
    // While reloading, the reload settles what follows; while starting, the start fails.
    if (this.state.current() === "running") this.scheduleRestart(spawnedAt);
  }

  /** Moves to `restarting` and starts a new process after the backoff delay. */
  private scheduleRestart(spawnedAt: number): void {
    this.state.moveTo("restarting");
    this.watch.disarm();
    if (this.clock.now() - spawnedAt > SUPERVISOR.stableAfterMs) this.failures = 0;
    const delay = restartDelay(this.failures++, SUPERVISOR.restartMaxMs);
    this.cancelRestart = this.clock.setTimer(delay, () => {
      this.cancelRestart = undefined;
      void this.restart(delay);
    });
  }

  private async restart(delay: number): Promise<void> {
    if (this.state.current() !== "restarting") return;
    this.restarts++;
    this.options.log.info("restarting haproxy", { after_ms: delay, restarts: this.restarts });
    let child: ChildProcess;
    try {
      child = await this.bringUp();
    } catch (error) {
      this.options.log.error("haproxy restart failed", { error: describeError(error) });
      if (this.state.current() === "restarting") this.scheduleRestart(this.clock.now());
      return;
    }
    if (this.state.current() !== "restarting") return;
    this.current = child;
    this.enterRunning(true);
    // What a replacement left serving finishes its requests now that the new HAProxy serves.
    for (const old of this.retiring.splice(0)) old.kill("SIGUSR1");
    this.options.onRestarted?.();
  }

  /** Moves to `running` and watches HAProxy; `fresh` after a new process was brought up. */
  private enterRunning(fresh: boolean): void {
    this.state.moveTo("running");
    if (fresh) this.watch.reset();
    this.watch.arm();
  }

  /**
   * Starts a new HAProxy in place of the current one. A `hung` one is killed first (it holds
   * connections it never serves); otherwise the old processes serve until the new one does.
   */
  private async replace(reason: string, hung: boolean): Promise<void> {
    const old = this.current;
    if (this.state.current() !== "running" || !old) return;
    const previous = [...this.children];
    this.options.log.error("replacing haproxy", { pid: old.pid, reason });
    this.state.moveTo("restarting");
    this.watch.disarm();
    this.current = undefined;
    if (hung) {
      const { workers } = await this.strategy.describe(old).catch(() => ({ workers: [] }));
      await killHung(workers, previous, this.options.signalPid ?? signalProcess, this.clock);
    } else this.retiring.push(...previous);
    try {
      (this.options.files ?? nodeRuntimeFiles).makeDirectory(
        dirname(this.options.paths.statsSocket),
      );
    } catch (error) {
      this.options.log.warn("cannot make the runtime directory", { error: describeError(error) });
    }
    await this.restart(0);
  }
}
