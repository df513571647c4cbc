// One line per event for `lbctl watch` and `lbctl events`: time, id, type, then the data as
// key=value pairs (values quoted when they hold spaces, escaped when they hold control characters).

import { PLAIN, type Style } from "./table.ts";

/** An event of /v1/events (see the issue 12 brief: ids increase by 1 from 1). */
export type AdminEvent = { id: number; type: string; at: string; data: Record<string, unknown> };

function fieldValue(value: unknown): string {
  if (value === null || value === undefined) return "-";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: values with them are quoted
  return /^[^\s"=\u0000-\u001f\u007f-\u009f]+$/.test(text) ? text : JSON.stringify(text);
}

/** What deserves colour: failures red, recoveries green. */
function typeStyle(event: AdminEvent, style: Style): (text: string) => string {
  const data = event.data;
  if (event.type === "reload") return data.ok === false ? style.red : style.green;
  if (event.type === "health") return data.to === "down" ? style.red : style.green;
  if (event.type === "etcd") return data.connected === false ? style.red : style.green;
  if (event.type === "rejected" || event.type === "removal_held") return style.yellow;
  return (text) => text;
}

export function formatEvent(event: AdminEvent, style: Style = PLAIN): string {
  const fields = Object.entries(event.data ?? {})
    .map(([key, value]) => `${key}=${fieldValue(value)}`)
    .join(" ");
  const type = typeStyle(event, style)(fieldValue(event.type).padEnd(12));
  return `${style.dim(fieldValue(event.at))} ${(Number.isInteger(event.id) ? String(event.id) : "-").padStart(5)} ${type} ${fields}`.trimEnd();
}
