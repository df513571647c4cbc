// Finds the line of a field in the sluice.toml text, so config errors can say `file:line`.

/** `file:line` of `key` in `section` (its `occurrence`-th `[[section]]`), or `file`. */
export type Locate = (section: string, key: string, occurrence?: number) => string;

/**
 * Line lookup over the TOML text, so messages can say `file:line`. `occurrence` picks the nth
 * `[[section]]` of an array of tables. A key not found as `key = ...` is looked for as a
 * section header.
 */
export function createLocator(file: string, text: string): Locate {
  const lines = text.split("\n");
  return (section, key, occurrence = 0) => {
    let current = "";
    let seen = -1;
    let sectionLine = 0;
    let headerLine = 0;
    const keyPattern = new RegExp(`^"?${escapeRegExp(key)}"?\\s*=`);
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index]!.trim();
      const header = /^\[\[?\s*([A-Za-z0-9_.-]+)\s*\]\]?/.exec(line);
      if (header) {
        current = header[1]!;
        if (current === section) seen++;
        if (current === section && seen === occurrence) sectionLine = index + 1;
        if (!headerLine && (current === key || current.startsWith(`${key}.`)) && section === "") {
          headerLine = index + 1;
        }
        continue;
      }
      const inSection = current === section && (section === "" || seen === occurrence);
      if (inSection && keyPattern.test(line)) return `${file}:${index + 1}`;
    }
    const line = headerLine || sectionLine;
    return line ? `${file}:${line}` : file;
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
