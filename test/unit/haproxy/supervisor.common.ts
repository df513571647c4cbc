// The cases every reload strategy must pass, run by each strategy's test file (like Hono's
// common.case.test.ts): the same supervisor behaviour over master-worker and sf.

import { describe, expect, test } from "bun:test";
import { runtimePaths } from "../../../src/haproxy/paths.ts";
import { createSupervisor, type Supervisor } from "../../../src/haproxy/supervisor.ts";
import { SUPERVISOR } from "../../../src/tunables.ts";
import { createMemoryLogger, FakeClock, FakeHaproxy, settle } from "./fake-haproxy.ts";

export type SupervisorFixture = {
  supervisor: Supervisor;
  haproxy: FakeHaproxy;
  clock: FakeClock;
  log: ReturnType<typeof createMemoryLogger>;
  restarted: number[];
};

export type FixtureOptions = {
  maxOldWorkers?: number;
  stopTimeoutMs?: number;
  /** Where leftover processes are looked for; default: a directory that does not exist. */
  procRoot?: string;
};

/** A supervisor in `mode` wired to a fake HAProxy and a fake clock. */
export function createFixture(
  mode: "master-worker" | "sf",
  options: FixtureOptions = {},
): SupervisorFixture {
  const paths = runtimePaths("/run/sluice-test");
  const haproxy = new FakeHaproxy(paths.masterSocket, paths.statsSocket, paths.pidFile);
  const clock = new FakeClock();
  const log = createMemoryLogger();
  const restarted: number[] = [];
  const supervisor = createSupervisor({
    binary: "/usr/sbin/haproxy",
    config: "/etc/sluice/haproxy.cfg",
    mode,
    paths,
    stopTimeoutMs: options.stopTimeoutMs ?? 5000,
    maxOldWorkers: options.maxOldWorkers ?? 4,
    onRestarted: () => restarted.push(clock.now()),
    log,
    runner: haproxy.runner,
    clock,
    query: haproxy.query,
    files: haproxy.runtimeFiles,
    procRoot: options.procRoot ?? "/nonexistent/proc",
    signalPid: (pid, signal) => haproxy.signalPid(pid, signal),
  });
  return { supervisor, haproxy, clock, log, restarted };
}

/** Runs the shared supervisor cases against the strategy for `mode`. */
export function describeSupervisorContract(mode: "master-worker" | "sf"): void {
  describe(`supervisor contract (${mode})`, () => {
    test("start spawns HAProxy on the config file and resolves once it serves", async () => {
      const { supervisor, haproxy } = createFixture(mode);
      expect(supervisor.isStarted()).toBe(false);
      await supervisor.start();
      const child = haproxy.newest();
      expect(child.argv.slice(0, 1)).toEqual(["/usr/sbin/haproxy"]);
      expect(child.argv).toContain("/etc/sluice/haproxy.cfg");
      expect(supervisor.isStarted()).toBe(true);
      const status = await supervisor.status();
      expect(status).toMatchObject({ running: true, state: "running", mode, pid: child.pid });
      expect(status.workers.length).toBe(1);
    });

    test("start waits while HAProxy's sockets do not answer yet", async () => {
      const { supervisor, haproxy, clock } = createFixture(mode);
      haproxy.behaviour.pollsUntilReady = 5;
      const before = clock.now();
      await supervisor.start();
      expect(clock.now() - before).toBe(5 * SUPERVISOR.startPollMs);
      expect((await supervisor.status()).state).toBe("running");
    });

    test("a HAProxy that never serves fails the start and is killed", async () => {
      const { supervisor, haproxy } = createFixture(mode);
      haproxy.behaviour.pollsUntilReady = Number.POSITIVE_INFINITY;
      await expect(supervisor.start()).rejects.toThrow(
        `haproxy did not become ready within ${SUPERVISOR.readyTimeoutMs}ms`,
      );
      expect(haproxy.newest().signals).toEqual(["SIGKILL"]);
      expect(supervisor.isStarted()).toBe(false);
      expect((await supervisor.status()).state).toBe("stopped");
    });

    test("a HAProxy that exits during start-up fails the start without a restart", async () => {
      const { supervisor, haproxy, clock } = createFixture(mode);
      haproxy.behaviour.exitAtStart = true;
      await expect(supervisor.start()).rejects.toThrow("haproxy exited during start-up (code 1)");
      await settle();
      expect((await supervisor.status()).state).toBe("stopped");
      expect(clock.pendingDelays()).toEqual([]);
    });

    test("a crashed HAProxy is restarted after a backoff that grows while it keeps crashing", async () => {
      const { supervisor, haproxy, clock, log, restarted } = createFixture(mode);
      await supervisor.start();
      haproxy.newest().exit(null, "SIGKILL");
      await settle();
      expect(log.lines.some((line) => line.startsWith("error haproxy exited"))).toBe(true);
      expect((await supervisor.status()).state).toBe("restarting");
      expect(supervisor.isStarted()).toBe(false);
      expect(clock.pendingDelays()).toEqual([SUPERVISOR.restartBaseMs]);

      clock.advance(SUPERVISOR.restartBaseMs);
      await settle();
      expect(haproxy.alive().length).toBe(1);
      expect(restarted.length).toBe(1);
      const status = await supervisor.status();
      expect(status).toMatchObject({ state: "running", restarts: 1, running: true });

      haproxy.newest().exit(1);
      await settle();
      expect(clock.pendingDelays()).toEqual([2 * SUPERVISOR.restartBaseMs]);
    });

    test("a HAProxy that ran long before it crashed restarts after the shortest delay", async () => {
      const { supervisor, haproxy, clock } = createFixture(mode);
      await supervisor.start();
      haproxy.newest().exit(1);
      await settle();
      clock.advance(SUPERVISOR.restartBaseMs);
      await settle();
      clock.advance(SUPERVISOR.stableAfterMs + 1);
      haproxy.newest().exit(1);
      await settle();
      expect(clock.pendingDelays()).toEqual([SUPERVISOR.restartBaseMs]);
    });

    test("stop asks every process to finish softly and waits for them", async () => {
      const { supervisor, haproxy } = createFixture(mode);
      await supervisor.start();
      await supervisor.reload();
      await supervisor.stop();
      expect(haproxy.alive()).toEqual([]);
      for (const child of haproxy.processes) expect(child.signals).not.toContain("SIGKILL");
      expect(haproxy.newest().signals).toContain("SIGUSR1");
      expect((await supervisor.status()).state).toBe("stopped");
      expect(supervisor.isStarted()).toBe(false);
    });

    test("stop kills HAProxy when it has not finished within the stop timeout", async () => {
      const { supervisor, haproxy, clock } = createFixture(mode, { stopTimeoutMs: 3000 });
      await supervisor.start();
      haproxy.behaviour.ignoreSoftStop = true;
      const stopping = supervisor.stop();
      await settle();
      expect((await supervisor.status()).state).toBe("stopping");
      expect(haproxy.alive().length).toBe(1);
      clock.advance(2999);
      await settle();
      expect(haproxy.alive().length).toBe(1);
      clock.advance(1);
      await stopping;
      expect(haproxy.newest().signals).toEqual(["SIGUSR1", "SIGKILL"]);
      expect((await supervisor.status()).state).toBe("stopped");
    });

    test("stop during the restart backoff cancels the restart", async () => {
      const { supervisor, haproxy, clock } = createFixture(mode);
      await supervisor.start();
      haproxy.newest().exit(1);
      await settle();
      await supervisor.stop();
      clock.advance(SUPERVISOR.restartMaxMs);
      await settle();
      expect(haproxy.processes.length).toBe(1);
      expect((await supervisor.status()).state).toBe("stopped");
    });

    test("a reload is counted and HAProxy keeps running", async () => {
      const { supervisor, clock } = createFixture(mode);
      await supervisor.start();
      await supervisor.reload();
      const status = await supervisor.status();
      expect(status).toMatchObject({ state: "running", running: true, reloads: 1 });
      expect(status.lastReloadAt).toBe(new Date(clock.now()).toISOString());
      expect(supervisor.isStarted()).toBe(true);
    });

    test("a refused reload throws and the previous HAProxy keeps serving", async () => {
      const { supervisor, haproxy } = createFixture(mode);
      await supervisor.start();
      const before = await supervisor.status();
      haproxy.behaviour.refuseReloads = true;
      await expect(supervisor.reload()).rejects.toMatchObject({ code: "apply" });
      const after = await supervisor.status();
      expect(after).toMatchObject({ state: "running", running: true, reloads: 0, pid: before.pid });
      expect(after.workers).toEqual(before.workers);
    });

    test("reload and a second start are refused unless HAProxy runs", async () => {
      const { supervisor } = createFixture(mode);
      await expect(supervisor.reload()).rejects.toThrow("haproxy is not running");
      await supervisor.start();
      await expect(supervisor.start()).rejects.toThrow("haproxy cannot be started while running");
    });
  });
}
