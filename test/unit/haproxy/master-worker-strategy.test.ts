import { describe, expect, test } from "bun:test";
import { SUPERVISOR } from "../../../src/tunables.ts";
import { settle } from "./fake-haproxy.ts";
import { createFixture, describeSupervisorContract } from "./supervisor.common.ts";
import { describeSupervisorRecovery } from "./supervisor-recovery.common.ts";

describeSupervisorContract("master-worker");
describeSupervisorRecovery("master-worker");

describe("master-worker strategy", () => {
  test("starts one master with its CLI socket and reloads it in place with SIGUSR2", async () => {
    const { supervisor, haproxy } = createFixture("master-worker");
    await supervisor.start();
    const master = haproxy.newest();
    expect(master.argv).toEqual([
      "/usr/sbin/haproxy",
      "-W",
      "-S",
      `${haproxy.masterSocket},mode,600`,
      "-f",
      "/etc/sluice/haproxy.cfg",
      "-p",
      "/run/sluice-test/haproxy.pid",
    ]);
    await supervisor.reload();
    expect(haproxy.processes).toEqual([master]);
    expect(master.signals).toEqual(["SIGUSR2"]);
    const status = await supervisor.status();
    expect(status.pid).toBe(master.pid);
    expect(status.workers).toEqual(master.workers.map((worker) => worker.pid));
    expect(status.workers.length).toBe(2);
  });

  test("a reload is refused when show proc counts one more failed reload", async () => {
    const { supervisor, haproxy } = createFixture("master-worker");
    await supervisor.start();
    haproxy.behaviour.refuseReloads = true;
    await expect(supervisor.reload()).rejects.toThrow(
      "haproxy refused the reload; the previous workers keep serving",
    );
    expect(haproxy.newest().failedReloads).toBe(1);
    haproxy.behaviour.refuseReloads = false;
    await supervisor.reload();
    expect((await supervisor.status()).reloads).toBe(1);
  });

  test("a reload the master never reports fails after the ready timeout", async () => {
    const { supervisor, haproxy, clock } = createFixture("master-worker");
    await supervisor.start();
    // The master takes the signal but never comes back with a new reload count.
    haproxy.newest().kill = () => undefined;
    const before = clock.now();
    await expect(supervisor.reload()).rejects.toThrow(
      `haproxy reload did not finish within ${SUPERVISOR.readyTimeoutMs}ms`,
    );
    expect(clock.now() - before).toBeGreaterThanOrEqual(SUPERVISOR.readyTimeoutMs);
    expect((await supervisor.status()).state).toBe("running");
  });

  test("a master that dies during a reload is restarted", async () => {
    const { supervisor, haproxy, clock } = createFixture("master-worker");
    await supervisor.start();
    const master = haproxy.newest();
    master.kill = () => master.exit(null, "SIGKILL");
    await expect(supervisor.reload()).rejects.toThrow(
      "the haproxy master exited during the reload",
    );
    await settle();
    expect((await supervisor.status()).state).toBe("restarting");
    clock.advance(SUPERVISOR.restartBaseMs);
    await settle();
    expect((await supervisor.status()).state).toBe("running");
    expect(haproxy.alive().length).toBe(1);
  });
});
