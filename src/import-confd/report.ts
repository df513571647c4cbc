// The import report: one item per thing the operator should know, printed as `file:line: level:
// message`, and the exit code it gives. Pure.

/**
 * How much an item asks of the operator:
 * - `problem`: not converted exactly (the output would render or behave differently, or a
 *   setting has no sluice equivalent); `lbctl import-confd` exits 1 when there is one;
 * - `action`: converted, but something outside the written files has to change (units that
 *   write etcd v2, services to disable);
 * - `note`: what was rewritten or ignored, and why.
 */
export type ReportLevel = "problem" | "action" | "note";

/** One line of the report; `line` is 1-based, absent when the item is about a whole file. */
export type ReportItem = { file: string; line?: number; level: ReportLevel; message: string };

/** Collects items in order. */
export type Report = {
  items: ReportItem[];
  add(file: string, line: number | undefined, level: ReportLevel, message: string): void;
};

export function createReport(): Report {
  const items: ReportItem[] = [];
  return {
    items,
    add(file, line, level, message) {
      items.push(line === undefined ? { file, level, message } : { file, line, level, message });
    },
  };
}

/** Items grouped by file (in the order files first appear), each file's items by line. */
export function orderItems(items: ReportItem[]): ReportItem[] {
  const files = [...new Set(items.map((item) => item.file))];
  return items
    .map((item, index) => ({ item, index }))
    .sort(
      (a, b) =>
        files.indexOf(a.item.file) - files.indexOf(b.item.file) ||
        (a.item.line ?? 0) - (b.item.line ?? 0) ||
        a.index - b.index,
    )
    .map(({ item }) => item);
}

/** `file:line: level: message`, or `file: level: message`. */
export function formatItem(item: ReportItem): string {
  const where = item.line === undefined ? item.file : `${item.file}:${item.line}`;
  return `${where}: ${item.level}: ${item.message}`;
}

/** The report as text, one item per line, then a summary line. */
export function formatReport(items: ReportItem[]): string {
  const count = (level: ReportLevel) => items.filter((item) => item.level === level).length;
  const summary = `${count("problem")} problem(s), ${count("action")} action(s), ${count("note")} note(s)`;
  return `${[...items.map(formatItem), summary].join("\n")}\n`;
}

/** 0 when everything converted exactly, 1 when any item is a problem. */
export function reportExitCode(items: ReportItem[]): 0 | 1 {
  return items.some((item) => item.level === "problem") ? 1 : 0;
}
