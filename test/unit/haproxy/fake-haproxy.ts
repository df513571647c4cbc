// A fake HAProxy for supervisor tests: a process runner, its sockets and a clock, all in memory.

import type { Clock } from "../../../src/haproxy/clock.ts";
import type { ChildProcess, ProcessRunner } from "../../../src/haproxy/process-runner.ts";
import type { SocketQuery } from "../../../src/haproxy/reload-strategy.ts";
import type { Logger } from "../../../src/log.ts";

/** A clock whose time moves only when told to, or by `sleep`. */
export class FakeClock implements Clock {
  time = 1_000_000;
  private timers: { at: number; callback: () => void }[] = [];

  now(): number {
    return this.time;
  }

  async sleep(ms: number): Promise<void> {
    this.advance(ms);
  }

  setTimer(ms: number, callback: () => void): () => void {
    const timer = { at: this.time + ms, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((pending) => pending !== timer);
    };
  }

  /** Delays of the timers still pending, from now. */
  pendingDelays(): number[] {
    return this.timers.map((timer) => timer.at - this.time);
  }

  /** Moves time on by `ms`, running the timers that fall due. */
  advance(ms: number): void {
    this.time += ms;
    const due = this.timers.filter((timer) => timer.at <= this.time);
    this.timers = this.timers.filter((timer) => timer.at > this.time);
    for (const timer of due) timer.callback();
  }
}

/** How the fake HAProxy behaves; tests change it between steps. */
export type FakeBehaviour = {
  /** Socket queries a new process fails before it serves. */
  pollsUntilReady: number;
  /** A new process exits with code 1 at once (a config it cannot load). */
  exitAtStart: boolean;
  /** Reloads fail: the master counts a failed reload, an `-sf` process exits with code 1. */
  refuseReloads: boolean;
  /** SIGUSR1 (soft stop) is ignored, as with connections that never end. */
  ignoreSoftStop: boolean;
};

type Worker = { pid: number; reloads: number };

/** One fake HAProxy process; `-W` in its arguments makes it a master with workers. */
export class FakeProcess implements ChildProcess {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly signals: string[] = [];
  readonly exited: Promise<number>;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  pollsLeft: number;
  /** A hung process (SIGSTOP): its stats socket never answers. */
  hung = false;
  /** Master only: `show proc` counters and workers. */
  reloads = 0;
  failedReloads = 0;
  workers: Worker[] = [];
  private resolveExit!: (code: number) => void;
  private closeStreams: (() => void)[] = [];

  constructor(
    readonly pid: number,
    readonly argv: string[],
    private readonly haproxy: FakeHaproxy,
  ) {
    this.pollsLeft = haproxy.behaviour.pollsUntilReady;
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
    this.stdout = this.stream();
    this.stderr = this.stream();
  }

  get isMaster(): boolean {
    return this.argv.includes("-W");
  }

  get ended(): boolean {
    return this.exitCode !== null || this.signalCode !== null;
  }

  kill(signal: NodeJS.Signals): void {
    this.signals.push(signal);
    if (this.ended) return;
    if (signal === "SIGKILL" || signal === "SIGTERM") this.exit(null, signal);
    else if (signal === "SIGUSR1" && !this.haproxy.behaviour.ignoreSoftStop) this.exit(0);
    else if (signal === "SIGUSR2" && this.isMaster) this.reloadMaster();
  }

  /** Ends the process with `code`, or by `signal`. */
  exit(code: number | null, signal?: NodeJS.Signals): void {
    if (this.ended) return;
    this.exitCode = signal ? null : code;
    this.signalCode = signal ?? null;
    for (const close of this.closeStreams) close();
    this.resolveExit(code ?? 137);
  }

  private reloadMaster(): void {
    this.reloads++;
    for (const worker of this.workers) worker.reloads++;
    if (this.haproxy.behaviour.refuseReloads) this.failedReloads++;
    else this.workers.unshift({ pid: this.haproxy.nextPid(), reloads: 0 });
  }

  private stream(): ReadableStream<Uint8Array> {
    return new ReadableStream({
      start: (controller) => {
        this.closeStreams.push(() => controller.close());
      },
    });
  }
}

/** The fake HAProxy: spawns FakeProcesses and answers their master CLI and stats socket. */
export class FakeHaproxy {
  readonly processes: FakeProcess[] = [];
  behaviour: FakeBehaviour = {
    pollsUntilReady: 0,
    exitAtStart: false,
    refuseReloads: false,
    ignoreSoftStop: false,
  };
  private pid = 1000;
  /** Files of the runtime directory that exist; a spawned process makes them all. */
  readonly files = new Set<string>();
  /** What was written to files, by path. */
  readonly written = new Map<string, string>();
  /** Signals sent to pids that are not spawned processes (a master's workers, leftovers). */
  readonly signalled: string[] = [];

  constructor(
    readonly masterSocket: string,
    readonly statsSocket: string,
    readonly pidFile = "/run/sluice-test/haproxy.pid",
  ) {}

  /** The runtime files as the supervisor sees them. */
  readonly runtimeFiles = {
    exists: (path: string) => this.files.has(path),
    makeDirectory: () => {},
    writeFile: (path: string, text: string) => {
      this.files.add(path);
      this.written.set(path, text);
    },
  };

  signalPid = (pid: number, signal: NodeJS.Signals) => {
    this.signalled.push(`${pid} ${signal}`);
  };

  nextPid(): number {
    return ++this.pid;
  }

  readonly runner: ProcessRunner = {
    spawn: (argv) => {
      const child = new FakeProcess(this.nextPid(), argv, this);
      this.processes.push(child);
      for (const path of [this.masterSocket, this.statsSocket, this.pidFile]) this.files.add(path);
      const refused = this.behaviour.refuseReloads && argv.includes("-sf");
      if (this.behaviour.exitAtStart || refused) {
        // It fails while loading the config: it never serves, and ends soon after.
        child.pollsLeft = Number.POSITIVE_INFINITY;
        queueMicrotask(() => child.exit(1));
      }
      return child;
    },
  };

  readonly query: SocketQuery = async (path, command) => {
    if (path === this.masterSocket && command === "show proc") return this.showProc();
    if (path === this.statsSocket && command === "show info") {
      const owner = this.listenerOwner();
      if (owner.hung) throw new Error(`${path}: no answer to "show info" within 1500ms`);
      return `Name: HAProxy\nPid: ${owner.pid}\n`;
    }
    throw new Error(`${path}: unexpected command ${command}`);
  };

  /** Processes still running. */
  alive(): FakeProcess[] {
    return this.processes.filter((process) => !process.ended);
  }

  /** The newest process. */
  newest(): FakeProcess {
    const newest = this.processes.at(-1);
    if (!newest) throw new Error("no process was spawned");
    return newest;
  }

  private showProc(): string {
    const master = this.alive().find((process) => process.isMaster);
    if (!master) throw new Error("connect ENOENT");
    if (master.pollsLeft > 0) {
      master.pollsLeft--;
      throw new Error("connect ENOENT");
    }
    if (master.workers.length === 0) master.workers.push({ pid: this.nextPid(), reloads: 0 });
    const workerLines = master.workers.map(
      (worker) =>
        `${worker.pid}            worker          ${worker.reloads}               0d00h00m01s     2.6.12`,
    );
    return [
      "#<PID>          <type>          <reloads>       <uptime>        <version>",
      `${master.pid}            master          ${master.reloads} [failed: ${master.failedReloads}]   0d00h00m08s     2.6.12`,
      "# workers",
      ...workerLines,
      "# programs",
      "",
      "",
    ].join("\n");
  }

  /** The pid the stats socket answers for: the newest running process that got ready. */
  private listenerOwner(): FakeProcess {
    const candidates = this.alive().reverse();
    for (const process of candidates) {
      if (process.pollsLeft > 0) {
        process.pollsLeft--;
        continue;
      }
      return process;
    }
    throw new Error("connect ENOENT");
  }
}

/** A logger that keeps what it was given, one `level message` entry per call (debug dropped,
 * as the daemon's default level does). */
export function createMemoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (level: string) => (message: string, fields?: object) =>
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return {
    lines,
    debug: () => {},
    info: keep("info"),
    warn: keep("warn"),
    error: keep("error"),
  };
}

/** Lets promise callbacks and queued microtasks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
