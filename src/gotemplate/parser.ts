// Parses a Go text/template into a tree: lists, control structures and named templates (parse.go).

import {
  type ControlNode,
  type Delim,
  GoTemplateSyntaxError,
  type Node,
  type ParsedTemplate,
} from "./ast.ts";
import { lex, type Token } from "./lexer.ts";
import {
  fail,
  next,
  nextNonSpace,
  type ParserState,
  parsePipeline,
  peekNonSpace,
} from "./parse-pipeline.ts";

/** Why a list ended: `{{end}}`, `{{else}}` (maybe `else if`/`else with`), or the end of input. */
type Stop =
  | { kind: "end"; delim: Delim }
  | { kind: "else"; left: Token; chain?: "if" | "with"; delim?: Delim }
  | { kind: "eof"; token: Token };

type Parser = ParserState & { defines: ParsedTemplate["defines"]; top: boolean };

/**
 * Parses `source` (LF line ends); throws GoTemplateSyntaxError with the line of the fault. With
 * `functions`, a call of any other name is a syntax error, as in Go.
 */
export function parseGoTemplate(source: string, functions?: ReadonlySet<string>): ParsedTemplate {
  const parser: Parser = {
    tokens: lex(source),
    pos: 0,
    vars: ["$"],
    functions,
    rangeDepth: 0,
    defines: new Map(),
    top: true,
  };
  const { nodes, stop } = parseList(parser);
  if (stop.kind === "end") throw new GoTemplateSyntaxError(stop.delim.line, "unexpected {{end}}");
  if (stop.kind === "else") throw new GoTemplateSyntaxError(stop.left.line, "unexpected {{else}}");
  return { root: nodes, defines: parser.defines };
}

function delimOf(left: Token, right: Token): Delim {
  return {
    line: left.line,
    endLine: right.endLine,
    trimLeft: !!left.trim,
    trimRight: !!right.trim,
  };
}

function closeAction(parser: Parser, left: Token, context: string): Delim {
  const right = nextNonSpace(parser);
  if (right.type !== "rightDelim") fail(right, `unexpected <${right.value}> in ${context}`);
  return delimOf(left, right);
}

function previous(parser: Parser): Token {
  return parser.tokens[parser.pos - 1]!;
}

function parseList(parser: Parser): { nodes: Node[]; stop: Stop } {
  const nodes: Node[] = [];
  for (;;) {
    const token = next(parser);
    if (token.type === "eof") return { nodes, stop: { kind: "eof", token } };
    if (token.type === "text") {
      const { raw, value: kept, line, trimStart, trimEnd } = token;
      nodes.push({
        type: "text",
        raw: raw!,
        kept,
        line,
        trimStart: !!trimStart,
        trimEnd: !!trimEnd,
      });
      continue;
    }
    const result = parseAction(parser, token);
    if (result && "kind" in result) return { nodes, stop: result };
    if (result) nodes.push(result);
  }
}

function parseAction(parser: Parser, left: Token): Node | Stop | undefined {
  const word = peekNonSpace(parser);
  if (word.type === "comment") {
    next(parser);
    return { type: "quiet", delim: delimOf(left, next(parser)) };
  }
  if (word.type !== "keyword") {
    const pipe = parsePipeline(parser, "command", "rightDelim");
    return { type: "action", pipe, delim: delimOf(left, previous(parser)) };
  }
  next(parser);
  switch (word.value) {
    case "end":
      return { kind: "end", delim: closeAction(parser, left, "end") };
    case "else": {
      const chain = peekNonSpace(parser);
      if (chain.type === "keyword" && (chain.value === "if" || chain.value === "with")) {
        next(parser);
        return { kind: "else", left, chain: chain.value };
      }
      return { kind: "else", left, delim: closeAction(parser, left, "else") };
    }
    case "if":
    case "with":
    case "range":
      return parseControl(parser, left, word.value);
    case "break":
    case "continue":
      if (parser.rangeDepth === 0) fail(word, `{{${word.value}}} outside {{range}}`);
      return { type: word.value, delim: closeAction(parser, left, word.value) };
    case "template":
    case "block":
      return parseTemplateCall(parser, left, word.value);
    case "define":
      return parseDefine(parser, left, word);
    default:
      return fail(word, `unexpected <${word.value}> in command`);
  }
}

function parseControl(parser: Parser, left: Token, context: string): ControlNode {
  const mark = parser.vars.length;
  const top = parser.top;
  parser.top = false;
  const pipe = parsePipeline(parser, context, "rightDelim");
  const open = delimOf(left, previous(parser));
  if (context === "range") parser.rangeDepth++;
  const { nodes, stop } = parseList(parser);
  if (context === "range") parser.rangeDepth--;
  const node = { type: context, pipe, list: nodes, open } as ControlNode;
  let end = stop;
  if (stop.kind === "else" && stop.chain) {
    const chain = parseControl(parser, stop.left, stop.chain);
    node.elseChain = chain;
    node.elseDelim = chain.open;
    chain.chained = true;
    end = { kind: "end", delim: chain.end };
  } else if (stop.kind === "else") {
    node.elseDelim = stop.delim!;
    const rest = parseList(parser);
    node.elseList = rest.nodes;
    end = rest.stop;
    if (end.kind === "else") fail(end.left, `expected end; found {{else}}`);
  }
  if (end.kind === "eof") fail(end.token, "unexpected EOF");
  if (end.kind !== "end") fail(left, `unexpected {{else}}`);
  node.end = end.delim;
  parser.vars.length = mark;
  parser.top = top;
  return node;
}

function templateName(parser: Parser, context: string): string {
  const name = nextNonSpace(parser);
  if (name.type !== "string") fail(name, `unexpected <${name.value}> in ${context} clause`);
  return name.value;
}

function parseTemplateCall(parser: Parser, left: Token, context: string): Node {
  const name = templateName(parser, context);
  let pipe: ReturnType<typeof parsePipeline> | undefined;
  if (context === "block" || peekNonSpace(parser).type !== "rightDelim") {
    pipe = parsePipeline(parser, `${context} clause`, "rightDelim");
  } else {
    next(parser);
  }
  const delim = delimOf(left, previous(parser));
  if (context === "template") return { type: "template", name, pipe, delim };
  const { list, end } = parseBody(parser, left);
  define(parser, name, list, left.line);
  return { type: "template", name, pipe, delim, block: { list, end } };
}

/** The body of a define or block: a template of its own, with only `$` in scope. */
function parseBody(parser: Parser, left: Token): { list: Node[]; end: Delim } {
  const saved = { vars: parser.vars, rangeDepth: parser.rangeDepth, top: parser.top };
  Object.assign(parser, { vars: ["$"], rangeDepth: 0, top: false });
  const { nodes, stop } = parseList(parser);
  Object.assign(parser, saved);
  if (stop.kind === "eof") fail(stop.token, "unexpected EOF");
  if (stop.kind === "else") fail(stop.left, "unexpected {{else}}");
  if (stop.kind !== "end") fail(left, "unexpected EOF");
  return { list: nodes, end: stop.delim };
}

function parseDefine(parser: Parser, left: Token, word: Token): Node {
  if (!parser.top) fail(word, "unexpected <define> in command");
  const name = templateName(parser, "define");
  closeAction(parser, left, "define clause");
  const { list, end } = parseBody(parser, left);
  define(parser, name, list, left.line);
  return {
    type: "quiet",
    delim: {
      line: left.line,
      endLine: end.endLine,
      trimLeft: !!left.trim,
      trimRight: end.trimRight,
    },
  };
}

function isEmpty(list: Node[]): boolean {
  return list.every((node) => node.type === "text" && node.kept.trim() === "");
}

function define(parser: Parser, name: string, list: Node[], line: number): void {
  const existing = parser.defines.get(name);
  if (existing && !isEmpty(existing.list) && !isEmpty(list)) {
    throw new GoTemplateSyntaxError(line, `template: multiple definition of template "${name}"`);
  }
  if (!existing || !isEmpty(list)) parser.defines.set(name, { list, line });
}
