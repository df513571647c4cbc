// Recovery cases every reload strategy must pass: a hung worker, runtime files removed, and
// HAProxy left running by an earlier sluice.

import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runtimePaths } from "../../../src/haproxy/paths.ts";
import { SUPERVISOR } from "../../../src/tunables.ts";
import { settle } from "./fake-haproxy.ts";
import { createFixture, type SupervisorFixture } from "./supervisor.common.ts";

/** Moves time to the next health check and lets it finish. */
async function nextCheck(fixture: SupervisorFixture): Promise<void> {
  fixture.clock.advance(SUPERVISOR.probeIntervalMs);
  await settle();
}

/** Runs the recovery cases against the strategy for `mode`. */
export function describeSupervisorRecovery(mode: "master-worker" | "sf"): void {
  describe(`supervisor recovery (${mode})`, () => {
    test("a worker that stops answering fails readiness at once and is replaced after a few probes", async () => {
      const fixture = createFixture(mode);
      const { supervisor, haproxy, restarted } = fixture;
      await supervisor.start();
      const hung = haproxy.newest();
      const before = await supervisor.status();
      hung.hung = true;
      await nextCheck(fixture);
      const noticed = await supervisor.status();
      expect(noticed).toMatchObject({ state: "running", responsive: false });
      expect(noticed.problem).toContain("not answering");
      for (let probe = 1; probe < SUPERVISOR.probeFailuresBeforeReplace; probe++) {
        await nextCheck(fixture);
      }
      await settle();
      expect(hung.ended).toBe(true);
      expect(hung.signals).toContain("SIGTERM");
      const after = await supervisor.status();
      expect(after).toMatchObject({ state: "running", running: true, responsive: true });
      expect(after.restarts).toBe(1);
      expect(after.pid).not.toBe(before.pid);
      expect(haproxy.alive()).toEqual([haproxy.newest()]);
      expect(restarted.length).toBe(1);
      // A master's hung worker is not a child: it is killed by pid, since it ignores SIGTERM.
      if (mode === "master-worker") {
        expect(haproxy.signalled).toEqual(before.workers.map((pid) => `${pid} SIGKILL`));
      }
    });

    test("a probe that fails once and then answers again does not replace HAProxy", async () => {
      const fixture = createFixture(mode);
      await fixture.supervisor.start();
      fixture.haproxy.newest().hung = true;
      await nextCheck(fixture);
      fixture.haproxy.newest().hung = false;
      await nextCheck(fixture);
      expect(await fixture.supervisor.status()).toMatchObject({ responsive: true, restarts: 0 });
      expect(fixture.haproxy.processes.length).toBe(1);
    });

    test("removed sockets bring up a new HAProxy; the old one finishes softly once it serves", async () => {
      const fixture = createFixture(mode);
      const { supervisor, haproxy } = fixture;
      await supervisor.start();
      const old = haproxy.newest();
      haproxy.files.clear();
      await nextCheck(fixture);
      await settle();
      expect(haproxy.processes.length).toBe(2);
      expect(old.signals).toEqual(["SIGUSR1"]);
      expect(haproxy.newest().argv).not.toContain("-sf");
      expect(haproxy.files.has(haproxy.statsSocket)).toBe(true);
      expect(await supervisor.status()).toMatchObject({
        state: "running",
        pid: haproxy.newest().pid,
        restarts: 1,
      });
    });

    test("a removed pid file alone is written again, HAProxy untouched", async () => {
      const fixture = createFixture(mode);
      const { supervisor, haproxy } = fixture;
      await supervisor.start();
      haproxy.files.delete(haproxy.pidFile);
      await nextCheck(fixture);
      expect(haproxy.written.get(haproxy.pidFile)).toBe(`${haproxy.newest().pid}\n`);
      expect(haproxy.processes.length).toBe(1);
      expect(haproxy.newest().signals).toEqual([]);
    });

    test("start stops an HAProxy an earlier sluice left running on the same pid file", async () => {
      const procRoot = mkdtempSync(join(tmpdir(), "sluice-proc-"));
      const { pidFile } = runtimePaths("/run/sluice-test");
      const leftover = (pid: number, argv: string[]) => {
        mkdirSync(join(procRoot, String(pid)));
        writeFileSync(join(procRoot, String(pid), "cmdline"), `${argv.join("\0")}\0`);
      };
      leftover(4242, ["/usr/sbin/haproxy", "-W", "-f", "/etc/sluice/haproxy.cfg", "-p", pidFile]);
      leftover(4343, ["/usr/sbin/haproxy", "-f", "/other/haproxy.cfg", "-p", "/other/haproxy.pid"]);
      leftover(4444, ["/usr/bin/sleep", "100", "-p", pidFile]);
      try {
        const fixture = createFixture(mode, { procRoot });
        const { haproxy } = fixture;
        haproxy.signalPid = (pid, signal) => {
          haproxy.signalled.push(`${pid} ${signal}`);
          if (signal === "SIGTERM") rmSync(join(procRoot, String(pid)), { recursive: true });
        };
        await fixture.supervisor.start();
        expect(haproxy.signalled).toEqual(["4242 SIGTERM"]);
        expect(fixture.log.lines.some((line) => line.includes("left running"))).toBe(true);
        expect((await fixture.supervisor.status()).state).toBe("running");
      } finally {
        rmSync(procRoot, { recursive: true, force: true });
      }
    });
  });
}
