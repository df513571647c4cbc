import { describe, expect, test } from "bun:test";
import { settle } from "./fake-haproxy.ts";
import { createFixture, describeSupervisorContract } from "./supervisor.common.ts";
import { describeSupervisorRecovery } from "./supervisor-recovery.common.ts";

describeSupervisorContract("sf");
describeSupervisorRecovery("sf");

describe("sf strategy", () => {
  test("a reload starts a new process that takes the listeners from the old one", async () => {
    const { supervisor, haproxy } = createFixture("sf");
    await supervisor.start();
    const old = haproxy.newest();
    expect(old.argv).toEqual([
      "/usr/sbin/haproxy",
      "-f",
      "/etc/sluice/haproxy.cfg",
      "-p",
      "/run/sluice-test/haproxy.pid",
    ]);
    await supervisor.reload();
    const next = haproxy.newest();
    expect(next.argv.slice(-4)).toEqual(["-sf", String(old.pid), "-x", haproxy.statsSocket]);
    const status = await supervisor.status();
    expect(status.pid).toBe(next.pid);
    expect(status.workers).toEqual([next.pid, old.pid]);
  });

  test("old processes beyond maxOldWorkers are stopped, oldest first", async () => {
    const { supervisor, haproxy, log } = createFixture("sf", { maxOldWorkers: 1 });
    await supervisor.start();
    await supervisor.reload();
    await supervisor.reload();
    const [first, second, third] = haproxy.processes;
    if (!first || !second || !third) throw new Error("three processes expected");
    expect(first.signals).toEqual(["SIGTERM"]);
    expect(second.signals).toEqual([]);
    expect(third.signals).toEqual([]);
    expect(log.lines.some((line) => line.includes("too many old haproxy processes"))).toBe(true);
    await settle();
    expect((await supervisor.status()).workers).toEqual([third.pid, second.pid]);
  });

  test("an old process that finished leaves the worker list", async () => {
    const { supervisor, haproxy } = createFixture("sf");
    await supervisor.start();
    const old = haproxy.newest();
    await supervisor.reload();
    old.exit(0);
    await settle();
    expect((await supervisor.status()).workers).toEqual([haproxy.newest().pid]);
  });

  test("a refused reload kills nothing the old process needs", async () => {
    const { supervisor, haproxy } = createFixture("sf");
    await supervisor.start();
    const old = haproxy.newest();
    haproxy.behaviour.refuseReloads = true;
    await expect(supervisor.reload()).rejects.toThrow("haproxy exited during start-up (code 1)");
    await settle();
    expect(old.signals).toEqual([]);
    expect(haproxy.alive()).toEqual([old]);
    expect((await supervisor.status()).state).toBe("running");
  });
});
