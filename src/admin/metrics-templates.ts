// The /metrics families of the `[[template]]` resources, from the status document's `templates`.

import type { Status } from "../status.ts";
import type { Metric } from "./metrics-format.ts";

const RESULTS = ["changed", "unchanged", "failed"] as const;

/** Applies of each resource by result, and whether its last one failed. */
export function templateMetrics({ templates }: Pick<Status, "templates">): Metric[] {
  return [
    {
      name: "sluice_template_renders_total",
      type: "counter",
      help: 'Applies of each [[template]] file, by result: "changed" (written), "unchanged", "failed".',
      samples: templates.flatMap((template) =>
        RESULTS.map((result) => ({
          labels: { dest: template.dest, result },
          value: template.renders[result],
        })),
      ),
    },
    {
      name: "sluice_template_failing",
      type: "gauge",
      help: "1 while the last apply of a [[template]] file failed (render, write, check_cmd or reload_cmd).",
      samples: templates.map((template) => ({
        labels: { dest: template.dest },
        value: template.last_error === null ? 0 : 1,
      })),
    },
  ];
}
