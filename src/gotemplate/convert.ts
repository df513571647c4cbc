// Converts a confd Go text/template to Liquid over Contract 1's filters, or says what it cannot.

import type { Node, ParsedTemplate } from "./ast.ts";
import { GoTemplateSyntaxError } from "./ast.ts";
import { emitList } from "./emit-nodes.ts";
import { type ConversionProblem, createScope, type Emitter, NIL } from "./emitter.ts";
import { parseGoTemplate } from "./parser.ts";

export type { ConversionProblem } from "./emitter.ts";

/** The Liquid, and everything it does not render exactly as Go would (empty = exact). */
export type Conversion = { liquid: string; problems: ConversionProblem[] };

/** What the converter is told about the template besides its text. */
export type ConvertOptions = {
  /** Named in problems. */
  file: string;
  /** confd's `prefix`: prepended to constant key arguments of getv, getvs, get, gets, ls, lsdir,
   * exists. Default: none. */
  keyPrefix?: string;
};

/**
 * Converts `source` (a Go text/template as confd runs it: nil data, confd's functions) to Liquid
 * whose every line holds what the same Go line held. A syntax error gives no Liquid and one
 * problem at its line.
 */
export function convertGoTemplate(source: string, options: ConvertOptions): Conversion {
  const text = source.replace(/\r\n/g, "\n");
  let parsed: ParsedTemplate;
  try {
    parsed = parseGoTemplate(text);
  } catch (error) {
    if (!(error instanceof GoTemplateSyntaxError)) throw error;
    const message = `template syntax: ${error.message}`;
    return { liquid: "", problems: [{ file: options.file, line: error.line, message }] };
  }
  const em: Emitter = {
    file: options.file,
    keyPrefix: options.keyPrefix ?? "",
    defines: parsed.defines,
    problems: [],
    out: [],
    tags: [],
    inline: 0,
    expanding: [],
    taken: new Set(),
    counter: 0,
    assigned: assignedVariables(parsed),
  };
  emitList(em, createScope(NIL), parsed.root);
  em.problems.sort((a, b) => a.line - b.line);
  return { liquid: em.out.join(""), problems: em.problems };
}

/** Every Go variable name that some `$x = …` assigns, anywhere in the file. */
function assignedVariables(parsed: ParsedTemplate): Set<string> {
  const names = new Set<string>();
  const visit = (nodes: Node[] | undefined): void => {
    for (const node of nodes ?? []) {
      if ("pipe" in node && node.pipe?.isAssign) for (const name of node.pipe.decl) names.add(name);
      if (node.type === "if" || node.type === "with" || node.type === "range") {
        visit(node.list);
        visit(node.elseList);
        if (node.elseChain) visit([node.elseChain]);
      }
      if (node.type === "template") visit(node.block?.list);
    }
  };
  visit(parsed.root);
  for (const define of parsed.defines.values()) visit(define.list);
  return names;
}
