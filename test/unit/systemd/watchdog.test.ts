// The watchdog interval comes from WATCHDOG_USEC (half of it) when WATCHDOG_PID, if set, is us;
// the pings run from an interval timer alone.

import { describe, expect, test } from "bun:test";
import { startWatchdog, watchdogSetting } from "../../../src/systemd/watchdog.ts";

describe("watchdogSetting", () => {
  test.each([
    [{}, { enabled: false, reason: undefined }],
    [{ WATCHDOG_USEC: "" }, { enabled: false, reason: undefined }],
    [{ WATCHDOG_USEC: "2000000" }, { enabled: true, intervalMs: 1000 }],
    [
      { WATCHDOG_USEC: "2000000", WATCHDOG_PID: "42" },
      { enabled: true, intervalMs: 1000 },
    ],
    [
      { WATCHDOG_USEC: "30000000", WATCHDOG_PID: "" },
      { enabled: true, intervalMs: 15_000 },
    ],
    // Below a millisecond of interval, one millisecond.
    [{ WATCHDOG_USEC: "1" }, { enabled: true, intervalMs: 1 }],
    // A timer cannot wait longer than 2^31-1 ms (Bun would make it 1 ms).
    [{ WATCHDOG_USEC: "9000000000000000" }, { enabled: true, intervalMs: 2 ** 31 - 1 }],
  ])("%j gives %j", (environment, setting) => {
    expect(watchdogSetting(environment, 42)).toEqual(setting as never);
  });

  test.each([
    [{ WATCHDOG_USEC: "2000000", WATCHDOG_PID: "7" }, "WATCHDOG_PID=7 is not this process (42)"],
    [{ WATCHDOG_USEC: "0" }, 'WATCHDOG_USEC="0" is not a positive integer'],
    [{ WATCHDOG_USEC: "2s" }, 'WATCHDOG_USEC="2s" is not a positive integer'],
    [{ WATCHDOG_USEC: "-5" }, 'WATCHDOG_USEC="-5" is not a positive integer'],
  ])("%j is not used: %s", (environment, reason) => {
    expect(watchdogSetting(environment, 42)).toEqual({ enabled: false, reason });
  });
});

describe("startWatchdog", () => {
  test("pings at once, then at every tick of its interval, until stopped", () => {
    const pings: number[] = [];
    let tick: (() => void) | undefined;
    let every: number | undefined;
    const stop = startWatchdog(() => pings.push(pings.length), 1000, {
      every(ms, callback) {
        every = ms;
        tick = callback;
        return () => {
          tick = undefined;
        };
      },
    });
    expect(every).toBe(1000);
    expect(pings).toHaveLength(1);
    tick?.();
    tick?.();
    expect(pings).toHaveLength(3);
    stop();
    expect(tick).toBeUndefined();
  });

  test("the real timer keeps pinging while the event loop runs", async () => {
    let pings = 0;
    const stop = startWatchdog(() => pings++, 10);
    await Bun.sleep(60);
    stop();
    expect(pings).toBeGreaterThanOrEqual(3);
  });
});
