// The syntax tree of a Go text/template, as the parser builds it and the emitters read it.

/** A syntax error at a line, as Go's parser reports it. */
export class GoTemplateSyntaxError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(message);
    this.line = line;
  }
}

/** One `{{ … }}`: the lines it spans and its trim markers. */
export type Delim = { line: number; endLine: number; trimLeft: boolean; trimRight: boolean };

/** The first element of an operand: dot, a constant, a variable, a function name, `( … )`. */
export type Term =
  | { type: "dot" }
  | { type: "nil" }
  | { type: "bool"; value: boolean }
  | { type: "number"; text: string }
  | { type: "string"; value: string }
  | { type: "variable"; name: string }
  | { type: "function"; name: string }
  | { type: "pipe"; pipe: Pipe };

/** A term followed by a chain of fields: `.a.b` is the dot with fields a, b. */
export type Operand = { term: Term; fields: string[]; line: number };

/** A function or method call, or a single operand: its words, the first being the callee. */
export type Command = { operands: Operand[]; line: number };

/** `$a, $b := cmd | cmd`: `isAssign` for `=`. */
export type Pipe = { decl: string[]; isAssign: boolean; commands: Command[]; line: number };

/** Text: `raw` as written, `kept` after Go's trimming, and which ends Go trims. */
export type TextNode = {
  type: "text";
  raw: string;
  kept: string;
  line: number;
  trimStart: boolean;
  trimEnd: boolean;
};
/** `{{pipeline}}`: prints the value unless the pipeline declares or assigns a variable. */
export type ActionNode = { type: "action"; pipe: Pipe; delim: Delim };
/** A comment, or an action that prints nothing at its place (a `define`). */
export type QuietNode = { type: "quiet"; delim: Delim };
/** `{{break}}` / `{{continue}}` inside a range. */
export type LoopJumpNode = { type: "break" | "continue"; delim: Delim };

/** `if`/`with`/`range`. `{{else if …}}`/`{{else with …}}` is a chained control (`chained`) whose
 * open is the else action; the one `{{end}}` closes the whole chain. */
export type ControlNode = {
  type: "if" | "with" | "range";
  pipe: Pipe;
  list: Node[];
  open: Delim;
  end: Delim;
  elseDelim?: Delim;
  elseList?: Node[];
  elseChain?: ControlNode;
  chained?: boolean;
};

/** `{{template "name" pipe}}` (body undefined) or `{{block "name" pipe}}body{{end}}`. */
export type TemplateNode = {
  type: "template";
  name: string;
  pipe?: Pipe;
  delim: Delim;
  block?: { list: Node[]; end: Delim };
};

/** Anything a list of a template holds. */
export type Node = TextNode | ActionNode | QuietNode | LoopJumpNode | ControlNode | TemplateNode;

/** A parsed file: its top-level list and its named templates (defines and blocks). */
export type ParsedTemplate = { root: Node[]; defines: Map<string, { list: Node[]; line: number }> };
