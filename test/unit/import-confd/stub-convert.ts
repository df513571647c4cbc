// A stand-in for Contract 2's converter in the import's unit tests: it keeps the text, turns the
// seed's `{{range getvs "..."}}…{{.}}…{{end}}` into Liquid, applies keyPrefix to getvs literals,
// and reports `{{template ...}}` as a problem, so the import's handling of each shows.

import type { Conversion, Convert } from "../../../src/import-confd/plan.ts";

/** Each call's options, for tests that check what the import asked for. */
export const calls: { file: string; keyPrefix?: string }[] = [];

export const stubConvert: Convert = (source, options): Conversion => {
  calls.push(options);
  const prefix = options.keyPrefix ?? "";
  const problems: Conversion["problems"] = [];
  const lines = source.split("\n").map((line, index) => {
    if (line.includes("{{template")) {
      problems.push({ file: options.file, line: index + 1, message: "template: not converted" });
    }
    return line
      .replace(
        /\{\{range getvs "([^"]+)"\}\}/g,
        (_, key) => `{% assign list = "${prefix}${key}" | getvs %}{% for item in list %}`,
      )
      .replace(/\{\{\.\}\}/g, "{{ item }}")
      .replace(/\{\{end\}\}/g, "{% endfor %}");
  });
  return { liquid: lines.join("\n"), problems };
};
