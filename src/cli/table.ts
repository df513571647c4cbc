// Aligned text tables and the few colours lbctl uses. Pure: whether to colour is decided by the
// caller (command-kit.ts wantsColor).

/** Colours, or the identity when colour is off. */
export type Style = {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
};

const paint = (code: number) => (text: string) => `\x1b[${code}m${text}\x1b[0m`;
const plainText = (text: string) => text;

export const PLAIN: Style = {
  bold: plainText,
  dim: plainText,
  red: plainText,
  green: plainText,
  yellow: plainText,
};

const COLOURED: Style = {
  bold: paint(1),
  dim: paint(2),
  red: paint(31),
  green: paint(32),
  yellow: paint(33),
};

export function createStyle(color: boolean): Style {
  return color ? COLOURED : PLAIN;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes start with ESC
const ANSI = /\x1b\[[0-9;]*m/g;

/** How wide `text` shows: colour codes take no room. */
export function visibleWidth(text: string): number {
  return text.replace(ANSI, "").length;
}

/**
 * `text` safe to print: control characters (from etcd values, error messages) are written as
 * JSON escapes, so a value can neither fake a line nor move the cursor.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: this is the escape of them
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => {
    const json = JSON.stringify(char).slice(1, -1);
    return json !== char ? json : `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

export type TableOptions = {
  /** Columns aligned to the right (numbers), by index. */
  right?: number[];
  style?: Style;
};

/**
 * `rows` under `headers`, each column as wide as its widest cell, two spaces apart; the last
 * column is not padded. Cells are printed as given: escape untrusted text with `printable`
 * before colouring it.
 */
export function formatTable(
  headers: string[],
  rows: string[][],
  options: TableOptions = {},
): string {
  const style = options.style ?? PLAIN;
  const right = new Set(options.right ?? []);
  const widths = headers.map((header, column) =>
    Math.max(visibleWidth(header), ...rows.map((row) => visibleWidth(row[column] ?? ""))),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => {
        const pad = " ".repeat(widths[column]! - visibleWidth(cell));
        if (right.has(column)) return pad + cell;
        return column === cells.length - 1 ? cell : cell + pad;
      })
      .join("  ")
      .trimEnd();
  const head = line(headers.map((header) => header));
  return `${[style.bold(head), ...rows.map(line)].join("\n")}\n`;
}
