// The Prometheus text exposition format: metric families with HELP and TYPE, label escaping, and
// numbers as Prometheus expects them (integers as integers, no float noise, +Inf).

import type { HistogramSnapshot } from "./metrics-observations.ts";

export type Sample = { labels?: Record<string, string>; value: number };
export type Metric =
  | { name: string; type: "gauge" | "counter"; help: string; samples: Sample[] }
  | { name: string; type: "histogram"; help: string; histogram: HistogramSnapshot };

/** Significant digits kept: enough for any duration sluice measures, none of a float's noise. */
const PRECISION = 12;

/** `value` as Prometheus text: `3`, `0.1503` (never `0.15030000000000002`), `+Inf`, `NaN`. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  if (Number.isSafeInteger(value)) return String(value);
  return String(Number(value.toPrecision(PRECISION)));
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function formatSample(name: string, sample: Sample): string {
  const labels = Object.entries(sample.labels ?? {});
  const labelText =
    labels.length === 0
      ? ""
      : `{${labels.map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(",")}}`;
  return `${name}${labelText} ${formatNumber(sample.value)}`;
}

/** The `_bucket`, `_sum` and `_count` lines of a histogram; buckets are cumulative. */
function histogramLines(name: string, histogram: HistogramSnapshot): string[] {
  const lines: string[] = [];
  let cumulative = 0;
  histogram.bounds.forEach((bound, index) => {
    cumulative += histogram.counts[index] ?? 0;
    lines.push(
      formatSample(`${name}_bucket`, { labels: { le: formatNumber(bound) }, value: cumulative }),
    );
  });
  lines.push(
    formatSample(`${name}_bucket`, { labels: { le: "+Inf" }, value: histogram.count }),
    formatSample(`${name}_sum`, { value: histogram.sum }),
    formatSample(`${name}_count`, { value: histogram.count }),
  );
  return lines;
}

/** The exposition text of `metrics`, HELP and TYPE before each family, ending in a newline. */
export function formatMetrics(metrics: readonly Metric[]): string {
  const lines: string[] = [];
  for (const metric of metrics) {
    lines.push(`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} ${metric.type}`);
    if (metric.type === "histogram") lines.push(...histogramLines(metric.name, metric.histogram));
    else for (const sample of metric.samples) lines.push(formatSample(metric.name, sample));
  }
  return `${lines.join("\n")}\n`;
}
