import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findOrphans, isHaproxyOf } from "../../../src/haproxy/orphans.ts";
import { createMemoryLogger, FakeClock } from "./fake-haproxy.ts";

const PID_FILE = "/run/sluice/haproxy.pid";

describe("isHaproxyOf", () => {
  test.each([
    [["/usr/sbin/haproxy", "-W", "-f", "x.cfg", "-p", PID_FILE], true],
    [["haproxy", "-f", "x.cfg", "-p", PID_FILE, "-sf", "12"], true],
    [["/usr/sbin/haproxy", "-f", "x.cfg", "-p", "/run/other/haproxy.pid"], false],
    [["/usr/bin/sleep", "-p", PID_FILE], false],
    [["/usr/sbin/haproxy", PID_FILE], false],
    [[], false],
  ])("%j is ours: %p", (argv, expected) => {
    expect(isHaproxyOf(argv, PID_FILE)).toBe(expected);
  });
});

describe("findOrphans", () => {
  test("names the pid file's HAProxy and its other processes, never a reused pid or itself", () => {
    const root = mkdtempSync(join(tmpdir(), "sluice-proc-"));
    const pidFile = join(root, "haproxy.pid");
    const proc = join(root, "proc");
    const add = (pid: number, argv: string[]) => {
      mkdirSync(join(proc, String(pid)), { recursive: true });
      writeFileSync(join(proc, String(pid), "cmdline"), `${argv.join("\0")}\0`);
    };
    try {
      add(100, ["/usr/sbin/haproxy", "-W", "-p", pidFile]);
      add(101, ["/usr/sbin/haproxy", "-W", "-p", pidFile]);
      add(102, ["/usr/sbin/haproxy", "-W", "-p", pidFile]);
      add(200, ["/usr/bin/bash"]);
      mkdirSync(join(proc, "300"));
      writeFileSync(join(proc, "300", "cmdline"), "");
      writeFileSync(pidFile, "200\n");
      const options = {
        pidFile,
        exclude: new Set([102]),
        clock: new FakeClock(),
        log: createMemoryLogger(),
        procRoot: proc,
      };
      expect(findOrphans(options).sort()).toEqual([100, 101]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
