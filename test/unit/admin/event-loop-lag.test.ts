import { describe, expect, test } from "bun:test";
import { createEventLoopLag, eventLoopLagMetric } from "../../../src/admin/event-loop-lag.ts";
import { formatMetrics } from "../../../src/admin/metrics-format.ts";

describe("event loop lag", () => {
  test("a synchronous stretch of work shows as lag in the histogram", async () => {
    const lag = createEventLoopLag({ intervalMs: 5 });
    lag.start();
    await Bun.sleep(2);
    const busyUntil = performance.now() + 60;
    while (performance.now() < busyUntil) {
      // the event loop is blocked here
    }
    await Bun.sleep(30);
    lag.stop();
    const snapshot = lag.snapshot();
    expect(snapshot.count).toBeGreaterThan(1);
    // At least one sample waited most of the 60 ms: above the 25 ms bound.
    const index = snapshot.bounds.indexOf(0.025);
    const above = snapshot.counts.slice(index + 1).reduce((a, b) => a + b, 0);
    expect(above).toBeGreaterThanOrEqual(1);
    const text = formatMetrics([eventLoopLagMetric(snapshot)]);
    expect(text).toContain("# TYPE sluice_event_loop_lag_seconds histogram");
    expect(text).toContain(`sluice_event_loop_lag_seconds_count ${snapshot.count}`);
  });

  test("stops sampling after stop", async () => {
    const lag = createEventLoopLag({ intervalMs: 2 });
    lag.start();
    await Bun.sleep(20);
    lag.stop();
    const count = lag.snapshot().count;
    await Bun.sleep(20);
    expect(lag.snapshot().count).toBe(count);
  });
});
