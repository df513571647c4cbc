// `lbctl plan [--diff]` in human form, from /v1/plan: nothing to do, the runtime API commands
// that would run, or why a reload is needed; the guards' holds; and the diff when asked.

import type { Hold } from "../model/guards.ts";
import type { Plan } from "../plan.ts";
import type { ResourcePlan } from "../resources/runner.ts";
import { PLAIN, printable, type Style } from "./table.ts";

/** /v1/plan's answer; `diff` and `files` (the `[[template]]` files) with `?diff=1`. */
export type PlanAnswer = {
  revision: number;
  plan: Plan;
  held?: Hold[];
  diff?: string;
  files?: ResourcePlan[];
};

function planLines(plan: Plan, style: Style): string[] {
  if (plan.kind === "none") return ["nothing to apply: HAProxy serves what etcd says"];
  if (plan.kind === "reload") {
    return [
      `${style.yellow("reload")} needed:`,
      ...plan.reasons.map((reason) => `  - ${printable(reason)}`),
    ];
  }
  const commands = plan.ops.reduce((total, op) => total + op.commands.length, 0);
  const lines = [`${style.green("runtime API")}, no reload: ${commands} commands`];
  for (const op of plan.ops) {
    lines.push(`  ${printable(op.backend)}/${printable(op.server)}: ${printable(op.why)}`);
    for (const command of op.commands) lines.push(`    ${style.dim(printable(command))}`);
  }
  return lines;
}

function diffLines(
  diff: string,
  style: Style,
  unchanged = "(haproxy.cfg would not change)",
): string[] {
  if (diff === "") return [unchanged];
  return diff
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => {
      const safe = printable(line);
      if (line.startsWith("+") && !line.startsWith("+++")) return style.green(safe);
      if (line.startsWith("-") && !line.startsWith("---")) return style.red(safe);
      return safe;
    });
}

export function formatPlan(answer: PlanAnswer, style: Style = PLAIN): string {
  const lines = [`revision ${answer.revision}: ${planLines(answer.plan, style).join("\n")}`];
  for (const hold of answer.held ?? []) {
    lines.push(
      `held ${printable(hold.service)}: ${hold.held} of ${hold.of} removals kept (${printable(hold.reason)})`,
    );
  }
  if (answer.diff !== undefined) lines.push(...diffLines(answer.diff, style));
  for (const file of answer.files ?? []) lines.push(...fileLines(file, style));
  return `${lines.join("\n")}\n`;
}

/** One `[[template]]` file of `plan --diff`: would it change, and how (confd's -noop). */
function fileLines(file: ResourcePlan, style: Style): string[] {
  const dest = printable(file.dest);
  if (file.error !== undefined) {
    return [`template ${dest}: ${style.red("cannot render")}: ${printable(file.error)}`];
  }
  if (!file.changed) return [`template ${dest}: would not change`];
  return [`template ${dest}: ${style.yellow("would change")}`, ...diffLines(file.diff, style)];
}
