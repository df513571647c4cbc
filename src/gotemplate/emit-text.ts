// Writes Go template text as Liquid text: nothing in it may open a Liquid tag or output.

import type { TextNode } from "./ast.ts";
import { type Emitter, problem, write } from "./emitter.ts";
import { liquidString } from "./literals.ts";

/** Characters liquidjs's whitespace control trims but Go's trim markers keep. */
const LIQUID_ONLY_BLANK = /[\f\v\u00a0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/** A `{` that Liquid could read as the start of `{{` or `{%` (also at the end: a tag follows). */
const OPENING_BRACE = /\{(?=[{%]|$)/g;

/** Writes a text node: as written (trim markers do the trimming) or, inline, as a literal. */
export function emitText(em: Emitter, node: TextNode): void {
  if (em.inline > 0) {
    if (node.kept !== "") write(em, `{{ ${liquidString(node.kept)} }}`);
    return;
  }
  const first = node.kept[0] ?? "";
  const last = node.kept.at(-1) ?? "";
  if (
    (node.trimStart && LIQUID_ONLY_BLANK.test(first)) ||
    (node.trimEnd && LIQUID_ONLY_BLANK.test(last))
  ) {
    problem(
      em,
      node.line,
      "text next to a trim marker ends in a form feed, vertical tab or Unicode space: Liquid would trim it, Go does not",
    );
  }
  write(em, node.raw.replace(OPENING_BRACE, "{% raw %}{{% endraw %}"));
}
