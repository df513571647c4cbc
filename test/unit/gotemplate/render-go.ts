// Test helper: converts a Go template and renders the Liquid over a key store (Contract 3).

import { convertGoTemplate } from "../../../src/gotemplate/convert.ts";
import { createRenderer } from "../../../src/render/render.ts";

export type Entry = { key: string; value: string };

const renderer = createRenderer();

/** Converts `source` (which must convert exactly) and renders it with the keys of `entries`. */
export function renderGo(source: string, entries: Entry[] = [], keyPrefix?: string): string {
  const { liquid, problems } = convertGoTemplate(source, { file: "test.tmpl", keyPrefix });
  if (problems.length > 0) {
    throw new Error(
      `conversion problems: ${problems.map((p) => `${p.line}: ${p.message}`).join("; ")}`,
    );
  }
  return renderer.renderKeys(liquid, "test.tmpl", entries);
}

/** `{key: value}` as entries. */
export function keys(map: Record<string, string>): Entry[] {
  return Object.entries(map).map(([key, value]) => ({ key, value }));
}
