// Prometheus text: numbers as Prometheus expects them, histograms with cumulative buckets.

import { describe, expect, test } from "bun:test";
import { formatMetrics, formatNumber } from "../../../src/admin/metrics-format.ts";
import { createHistogram, createObservations } from "../../../src/admin/metrics-observations.ts";

describe("formatNumber", () => {
  test.each([
    [3, "3"],
    [0, "0"],
    [-2, "-2"],
    [0.1 + 0.2, "0.3"],
    [0.15030000000000002, "0.1503"],
    [1503 / 10000, "0.1503"],
    [0.000123, "0.000123"],
    [12345678.5, "12345678.5"],
    [Number.POSITIVE_INFINITY, "+Inf"],
    [Number.NEGATIVE_INFINITY, "-Inf"],
    [Number.NaN, "NaN"],
  ])("%p is written %p", (value, text) => {
    expect(formatNumber(value)).toBe(text);
  });
});

describe("histograms", () => {
  test("bucket counts are cumulative, +Inf holds every observation, sum and count follow", () => {
    const histogram = createHistogram([0.1, 0.5, 1]);
    for (const value of [0.05, 0.1, 0.3, 0.7, 4]) histogram.observe(value);
    const text = formatMetrics([
      { name: "x_seconds", type: "histogram", help: "X.", histogram: histogram.snapshot() },
    ]);
    expect(text).toBe(
      [
        "# HELP x_seconds X.",
        "# TYPE x_seconds histogram",
        'x_seconds_bucket{le="0.1"} 2',
        'x_seconds_bucket{le="0.5"} 3',
        'x_seconds_bucket{le="1"} 4',
        'x_seconds_bucket{le="+Inf"} 5',
        "x_seconds_sum 5.15",
        "x_seconds_count 5",
        "",
      ].join("\n"),
    );
  });

  test("observations count applies by path, and every latency, not just the last", () => {
    const observations = createObservations();
    observations.applied("runtime_api", 3);
    observations.applied("runtime_api", 40);
    observations.applied("reload", undefined);
    observations.reloaded(120);
    observations.applyFailed();
    observations.rolledBack();
    const view = observations.view();
    expect(view.applied).toEqual({ runtime_api: 2, reload: 1, start: 0 });
    expect(view.propagationLatency.count).toBe(2);
    expect(view.propagationLatency.sum).toBeCloseTo(0.043, 9);
    expect(view.reloadDuration.count).toBe(1);
    expect([view.applyFailures, view.rollbacks]).toEqual([1, 1]);
  });
});
