// The `[[template]]` files in `lbctl status`: one line each, and the plain renderer's status.

import type { RendererStatus } from "../admin/render-app.ts";
import type { TemplateStatus } from "../resources/record.ts";
import { printable, type Style } from "./table.ts";

/** One line per file: ok with its revision and last change, or FAILED with why. */
export function templateLines(templates: readonly TemplateStatus[], style: Style): string[] {
  return templates.map((template) => {
    const dest = printable(template.dest);
    if (template.last_error) {
      return `  template ${dest}: ${style.red("FAILED")}: ${printable(template.last_error)}`;
    }
    if (template.revision === null) return `  template ${dest}: not rendered yet`;
    const changed = template.last_changed_at ? `, changed at ${template.last_changed_at}` : "";
    return `  template ${dest}: ok, revision ${template.revision}${changed}`;
  });
}

/** `lbctl status` of a plain renderer (no `[haproxy]`). */
export function formatRendererStatus(status: RendererStatus, style: Style): string {
  const { etcd } = status;
  const state = etcd.connected ? style.green("connected") : style.red("DISCONNECTED");
  const error = etcd.last_error && !etcd.connected ? ` (${printable(etcd.last_error)})` : "";
  const lines = [
    `sluice ${status.version} (plain renderer: no HAProxy)`,
    `etcd:     ${state}${etcd.endpoint ? ` ${etcd.endpoint}` : ""}, revision ${etcd.revision}${error}`,
    `templates: ${status.templates.length}`,
    ...templateLines(status.templates, style),
  ];
  return `${lines.join("\n")}\n`;
}
