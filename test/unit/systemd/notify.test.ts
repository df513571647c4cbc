// sd_notify through bun:ffi reaches a real datagram socket, by path and by abstract name; without
// NOTIFY_SOCKET nothing happens, and a socket that fails is logged, throttled, never thrown.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SluiceError } from "../../../src/errors.ts";
import { loadLibc } from "../../../src/systemd/libc.ts";
import { createNotifier } from "../../../src/systemd/notify.ts";
import {
  bindNotifySocket,
  kernelMonotonicMicros,
  type TestNotifySocket,
} from "../../helpers/notify-socket.ts";
import { createMemoryLogger } from "../haproxy/fake-haproxy.ts";

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function receiver(name: string): TestNotifySocket {
  const socket = bindNotifySocket(name);
  cleanups.push(() => socket.close());
  return socket;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-notify-unit-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("createNotifier", () => {
  test("sends one datagram of KEY=VALUE lines to a path socket", async () => {
    const socket = receiver(join(tempDir(), "notify"));
    const log = createMemoryLogger();
    const notifier = createNotifier({ log, environment: { NOTIFY_SOCKET: socket.name } });
    expect(notifier.enabled()).toBe(true);
    expect(notifier.send(["READY=1", "STATUS=serving 2 services"])).toBe(true);
    expect(notifier.send(["WATCHDOG=1"])).toBe(true);
    await socket.waitForLine("WATCHDOG=1");
    expect(socket.messages().map((message) => message.text)).toEqual([
      "READY=1\nSTATUS=serving 2 services",
      "WATCHDOG=1",
    ]);
    notifier.close();
    expect(log.lines).toEqual([]);
  });

  test("sends to an @abstract socket", async () => {
    const socket = receiver(`@sluice-unit-${process.pid}-${Date.now()}`);
    const notifier = createNotifier({
      log: createMemoryLogger(),
      environment: { NOTIFY_SOCKET: socket.name },
    });
    expect(notifier.send(["STOPPING=1"])).toBe(true);
    expect((await socket.waitForLine("STOPPING=1")).text).toBe("STOPPING=1");
    notifier.close();
  });

  test("a newline inside a value cannot start another assignment", async () => {
    const socket = receiver(join(tempDir(), "notify"));
    const notifier = createNotifier({
      log: createMemoryLogger(),
      environment: { NOTIFY_SOCKET: socket.name },
    });
    notifier.send(["STATUS=apply failed:\nREADY=1"]);
    await Bun.sleep(20);
    expect(socket.messages().map((message) => message.text)).toEqual([
      "STATUS=apply failed: READY=1",
    ]);
    notifier.close();
  });

  test("without NOTIFY_SOCKET it does nothing and loads nothing", () => {
    let loaded = false;
    const log = createMemoryLogger();
    const notifier = createNotifier({
      log,
      environment: {},
      libc: () => {
        loaded = true;
        return loadLibc();
      },
    });
    expect(notifier.enabled()).toBe(false);
    expect(notifier.send(["READY=1"])).toBe(false);
    expect(notifier.monotonicMicros()).toBeUndefined();
    expect(loaded).toBe(false);
    expect(log.lines).toEqual([]);
  });

  test("a socket nobody listens on is logged once per minute, never thrown", () => {
    let now = 0;
    const log = createMemoryLogger();
    const name = join(tempDir(), "nobody");
    const notifier = createNotifier({ log, environment: { NOTIFY_SOCKET: name }, now: () => now });
    for (let i = 0; i < 5; i++) expect(notifier.send(["WATCHDOG=1"])).toBe(false);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toContain("warn cannot notify systemd");
    expect(log.lines[0]).toContain("sendto: No such file or directory");
    now = 61_000;
    notifier.send(["WATCHDOG=1"]);
    expect(log.lines).toHaveLength(2);
    expect(log.lines[1]).toContain('"suppressed":4');
    // It keeps trying: once the socket is there (systemd back), notifications arrive again.
    const socket = receiver(name);
    expect(notifier.send(["WATCHDOG=1"])).toBe(true);
    expect(socket.messages().map((message) => message.text)).toEqual(["WATCHDOG=1"]);
    notifier.close();
  });

  test("a NOTIFY_SOCKET it cannot use turns notifications off with one warning", () => {
    const log = createMemoryLogger();
    const notifier = createNotifier({ log, environment: { NOTIFY_SOCKET: "relative/notify" } });
    expect(notifier.send(["READY=1"])).toBe(false);
    expect(notifier.send(["READY=1"])).toBe(false);
    expect(notifier.enabled()).toBe(false);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toContain("systemd notifications are off");
  });

  test("a libc that fails to open a socket is logged, not thrown", () => {
    const log = createMemoryLogger();
    const libc = loadLibc();
    const notifier = createNotifier({
      log,
      environment: { NOTIFY_SOCKET: "/run/nothing-here" },
      libc: () => ({
        ...libc,
        openSocket: () => {
          throw new SluiceError("notify", "socket(AF_UNIX, SOCK_DGRAM): Too many open files");
        },
      }),
    });
    expect(() => notifier.send(["READY=1"])).not.toThrow();
    expect(log.lines[0]).toContain("Too many open files");
  });
});

describe("MONOTONIC_USEC", () => {
  // /proc/timer_list's "now at" is the kernel's ktime_get(): CLOCK_MONOTONIC, which systemd reads
  // for reload_begin_usec and compares MONOTONIC_USEC with.
  test.skipIf(kernelMonotonicMicros() === undefined)("is CLOCK_MONOTONIC in microseconds", () => {
    const notifier = createNotifier({
      log: createMemoryLogger(),
      environment: { NOTIFY_SOCKET: "@unused" },
    });
    const before = kernelMonotonicMicros()!;
    const value = BigInt(notifier.monotonicMicros()!);
    const after = kernelMonotonicMicros()!;
    expect(value).toBeGreaterThanOrEqual(before);
    expect(value).toBeLessThanOrEqual(after);
  });
});
