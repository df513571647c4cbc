// The compiled executable run the way the systemd unit runs it: as the unprivileged user sluice
// with only CAP_NET_BIND_SERVICE (ambient), NOTIFY_SOCKET and WATCHDOG_USEC set, copied outside the
// repository. READY=1 comes once HAProxy serves on a port below 1024; WATCHDOG=1 goes on while etcd
// is down; `lbctl reload` is RELOADING=1 (MONOTONIC_USEC) then READY=1; SIGTERM is STOPPING=1 and
// exit 0 with no HAProxy left; no HAProxy carries NOTIFY_SOCKET.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chownSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBackendPool } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import {
  bindNotifySocket,
  hasLine,
  kernelMonotonicMicros,
  notifyField,
  type TestNotifySocket,
} from "../helpers/notify-socket.ts";
import { freeLowPort, waitFor } from "../helpers/ports.ts";
import { environmentOf, processesWith, uidOf } from "../helpers/process.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";
import { asUnitUser, ensureSystemUser, type SystemUser } from "../helpers/system-user.ts";
import { installUnitBinary } from "../helpers/unit-binary.ts";

/** WatchdogSec=2s: pings every second. */
const WATCHDOG_USEC = 2_000_000;
const backends = createBackendPool();
let user: SystemUser;
let etcd: TestEtcd;
let sluice: TestSluice;
let notify: TestNotifySocket;
let binDir: string;
let notifyDir: string;
let lbctl: string;
let lowPort: number;
/** Where READY=1 arrived, and whether a request through HAProxy succeeded right then. */
let firstReady: { index: number; served: string };

beforeAll(async () => {
  user = ensureSystemUser("sluice");
  etcd = await startEtcd();
  await etcd.client.put("/apps/web/a").value(backends.start("a").address);
  binDir = mkdtempSync(join(tmpdir(), "sluice-unit-bin-"));
  const installed = installUnitBinary(binDir);
  lbctl = installed.lbctl;
  notifyDir = mkdtempSync(join(tmpdir(), "sluice-unit-notify-"));
  chownSync(notifyDir, user.uid, user.gid);
  notify = bindNotifySocket(join(notifyDir, "notify"), { owner: user });
  lowPort = freeLowPort();
  const watchingReady = watchFirstReady();
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    binary: installed.sluice,
    wrap: (argv) => asUnitUser(user, argv),
    env: { NOTIFY_SOCKET: notify.name, WATCHDOG_USEC: String(WATCHDOG_USEC) },
    httpPort: lowPort,
    owner: user,
  });
  firstReady = await watchingReady;
}, 60_000);

afterAll(async () => {
  await sluice?.stop().catch(() => undefined);
  notify?.close();
  backends.stopAll();
  await etcd?.stop();
  for (const dir of [binDir, notifyDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Waits for READY=1 and, the moment it is seen, sends one request through HAProxy's frontend. */
async function watchFirstReady(): Promise<{ index: number; served: string }> {
  const ready = await notify.waitForLine("READY=1", 30_000);
  const response = await fetch(`http://127.0.0.1:${lowPort}/`, {
    headers: { connection: "close" },
  }).catch((error: Error) => ({ ok: false, text: async () => `failed: ${error.message}` }));
  return { index: notify.messages().indexOf(ready), served: await response.text() };
}

/** Kinds of notification, in order: READY, RELOADING, STOPPING (WATCHDOG and STATUS left out). */
function lifecycleKinds(from = 0): string[] {
  return notify
    .messages()
    .slice(from)
    .flatMap((message) =>
      ["READY=1", "RELOADING=1", "STOPPING=1"].filter((line) => hasLine(message, line)),
    );
}

/** What HAProxy's frontend answers, on a connection of its own (an idle keep-alive connection
 * would make HAProxy's soft stop wait for hard_stop_after). */
async function served(): Promise<string> {
  return (await sluice.get("/", { headers: { connection: "close" } })).text();
}

function haproxyPids(): number[] {
  return processesWith("haproxy", sluice.dir);
}

describe("sluice under a systemd-like unit", () => {
  test("READY=1 comes once HAProxy serves etcd's state on a port below 1024, as user sluice", () => {
    expect(lowPort).toBeLessThan(1024);
    // The request sent the moment READY=1 was seen was served by the backend etcd names.
    expect(firstReady.served).toBe("a");
    expect(lifecycleKinds()).toEqual(["READY=1"]);
    // Nothing before READY=1 claimed to serve.
    const before = notify.messages().slice(0, firstReady.index);
    expect(before.every((message) => !hasLine(message, "READY=1"))).toBe(true);
    expect(uidOf(sluice.pid)).toBe(user.uid);
    const pids = haproxyPids();
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) expect(uidOf(pid)).toBe(user.uid);
  });

  test("STATUS= says what is served", async () => {
    const status = await notify.waitFor("the serving status", (message) =>
      (notifyField(message, "STATUS") ?? "").startsWith("serving 1 service, 1 backend"),
    );
    expect(notifyField(status, "STATUS")).toBe("serving 1 service, 1 backend; etcd connected");
  });

  test("no HAProxy process has NOTIFY_SOCKET or WATCHDOG_* in its environment", () => {
    const pids = haproxyPids();
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) {
      const leaked = environmentOf(pid).filter((line) =>
        /^(NOTIFY_SOCKET|WATCHDOG_USEC|WATCHDOG_PID)=/.test(line),
      );
      expect({ pid, leaked }).toEqual({ pid, leaked: [] });
    }
    // The check can fail: sluice itself has them.
    expect(environmentOf(sluice.pid)).toContain(`NOTIFY_SOCKET=${notify.name}`);
  });

  test("WATCHDOG=1 keeps coming while etcd is down, and traffic keeps flowing", async () => {
    await notify.waitForLine("WATCHDOG=1");
    await etcd.kill();
    const from = notify.messages().length;
    const startedAt = Date.now();
    const disconnected = await notify.waitFor(
      "the disconnected status",
      (message) => (notifyField(message, "STATUS") ?? "").startsWith("etcd disconnected"),
      10_000,
      from,
    );
    // Four watchdog periods with etcd gone.
    await Bun.sleep(4 * (WATCHDOG_USEC / 1000) - (Date.now() - startedAt));
    const pings = notify
      .messages()
      .slice(from)
      .filter((message) => hasLine(message, "WATCHDOG=1"));
    expect(pings.length).toBeGreaterThanOrEqual(6);
    // systemd kills a unit that sends nothing for WatchdogSec: no gap may come near it.
    const gaps = pings.slice(1).map((ping, i) => ping.at - pings[i]!.at);
    expect(Math.max(...gaps)).toBeLessThan(WATCHDOG_USEC / 1000);
    expect(lifecycleKinds(from)).toEqual([]);
    expect(await served()).toBe("a");
    expect(notifyField(disconnected, "STATUS")).toBe(
      "etcd disconnected, serving the last known state (1 service, 1 backend)",
    );
  }, 30_000);

  test("lbctl reload, as user sluice, is RELOADING=1 with MONOTONIC_USEC, then READY=1", async () => {
    const from = notify.messages().length;
    const before = kernelMonotonicMicros();
    const run = Bun.spawnSync(asUnitUser(user, [lbctl, "reload", "--config", sluice.configFile]), {
      cwd: notifyDir,
      stdout: "pipe",
      stderr: "pipe",
    });
    const after = kernelMonotonicMicros();
    expect({ code: run.exitCode, err: run.stderr.toString() }).toEqual({ code: 0, err: "" });
    expect(run.stdout.toString()).toBe("reload done: haproxy reloaded\n");
    await notify.waitForLine("READY=1", 5000, from);
    expect(lifecycleKinds(from)).toEqual(["RELOADING=1", "READY=1"]);
    const reloading = notify.withLine("RELOADING=1").at(-1)!;
    const stamp = notifyField(reloading, "MONOTONIC_USEC");
    expect(stamp).toMatch(/^\d+$/);
    // systemd takes it only if it is no earlier than its own reload start (CLOCK_MONOTONIC).
    if (before !== undefined && after !== undefined) {
      expect(BigInt(stamp!)).toBeGreaterThanOrEqual(before);
      expect(BigInt(stamp!)).toBeLessThanOrEqual(after);
    }
    expect(await served()).toBe("a");
  });

  test("a reload HAProxy refuses is RELOADING=1, then READY=1 saying it failed; lbctl exits 1", async () => {
    writeFileSync(sluice.templateFile, "global\n    no-such-keyword {{ revision }}\n");
    const from = notify.messages().length;
    const run = Bun.spawnSync(asUnitUser(user, [lbctl, "reload", "--config", sluice.configFile]), {
      stdout: "pipe",
      stderr: "pipe",
    });
    rmSync(sluice.templateFile);
    expect(run.exitCode).toBe(1);
    expect(run.stderr.toString()).toContain("reload failed: ");
    expect(run.stderr.toString()).toContain("no-such-keyword");
    await notify.waitForLine("READY=1", 5000, from);
    expect(lifecycleKinds(from)).toEqual(["RELOADING=1", "READY=1"]);
    const ready = notify.withLine("READY=1").at(-1)!;
    expect(notifyField(ready, "STATUS")).toContain(
      "last change failed, the old config keeps serving",
    );
    expect(await served()).toBe("a");
  });

  test("restarted while etcd is down, READY=1 comes from the last good config", async () => {
    const from = notify.messages().length;
    expect(await sluice.restart()).toBe(0);
    const ready = await notify.waitForLine("READY=1", 30_000, from);
    expect(await served()).toBe("a");
    expect(lifecycleKinds(from)).toEqual(["STOPPING=1", "READY=1"]);
    expect(notifyField(ready, "STATUS")).toStartWith("etcd disconnected, serving the last");
  }, 60_000);

  // Right after the restart's READY=1: SIGTERM is handled from the start, not only once every part
  // has started (the default action would end sluice with 143 and HAProxy unstopped).
  test("SIGTERM is STOPPING=1 and exit 0, with no HAProxy left", async () => {
    const from = notify.messages().length;
    const dir = sluice.dir;
    const code = await sluice.stop();
    expect(code).toBe(0);
    expect(lifecycleKinds(from)).toEqual(["STOPPING=1"]);
    await waitFor("HAProxy to be gone", () => processesWith("haproxy", dir).length === 0, 2000);
  }, 30_000);
});
