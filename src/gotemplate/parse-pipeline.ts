// Parses the inside of an action: declarations, pipelines, commands and operands (Go's parse.go).

import { type Command, GoTemplateSyntaxError, type Operand, type Pipe, type Term } from "./ast.ts";
import type { Token, TokenType } from "./lexer.ts";

/** The token cursor and what Go's parser tracks while it reads: variables in scope, functions. */
export type ParserState = {
  tokens: Token[];
  pos: number;
  /** Variables visible at this point, innermost last; `$` is always there. */
  vars: string[];
  /** Known functions; undefined = any name (the converter reports unknown ones per call). */
  functions?: ReadonlySet<string>;
  rangeDepth: number;
};

/** The next token, spaces included. */
export function peek(state: ParserState): Token {
  return state.tokens[state.pos]!;
}

/** Takes the next token (the EOF token stays). */
export function next(state: ParserState): Token {
  const token = state.tokens[state.pos]!;
  if (token.type !== "eof") state.pos++;
  return token;
}

/** Skips spaces inside an action. */
export function skipSpace(state: ParserState): void {
  while (peek(state).type === "space") state.pos++;
}

/** The next token that is not a space (skipping the spaces). */
export function peekNonSpace(state: ParserState): Token {
  skipSpace(state);
  return peek(state);
}

/** Takes the next token that is not a space. */
export function nextNonSpace(state: ParserState): Token {
  skipSpace(state);
  return next(state);
}

/** Throws a syntax error at the line of `token`. */
export function fail(token: Token, message: string): never {
  throw new GoTemplateSyntaxError(token.line, message);
}

function describe(token: Token): string {
  return token.type === "eof" ? "EOF" : `<${token.value}>`;
}

/** Reads `$a, $b :=` when present; `context` names the construct for errors. */
function declarations(state: ParserState, context: string, pipe: Pipe): void {
  for (;;) {
    const variable = peekNonSpace(state);
    if (variable.type !== "variable") return;
    const start = state.pos;
    next(state);
    const after = peekNonSpace(state);
    if (after.type === "declare" || after.type === "assign") {
      next(state);
      pipe.isAssign = after.type === "assign";
      pipe.decl.push(variable.value);
      return;
    }
    if (after.type === "comma" && context === "range" && pipe.decl.length === 0) {
      next(state);
      pipe.decl.push(variable.value);
      if (peekNonSpace(state).type !== "variable")
        fail(after, "range can only initialize variables");
      continue;
    }
    if (after.type === "comma") fail(after, `too many declarations in ${context}`);
    state.pos = start;
    return;
  }
}

/** Parses a pipeline up to `end` (a right delimiter or parenthesis), consuming it. */
export function parsePipeline(state: ParserState, context: string, end: TokenType): Pipe {
  const first = peekNonSpace(state);
  const pipe: Pipe = { decl: [], isAssign: false, commands: [], line: first.line };
  declarations(state, context, pipe);
  for (const name of pipe.decl) {
    if (pipe.isAssign && !state.vars.includes(name)) fail(first, `undefined variable "${name}"`);
  }
  // Go declares the variables before it reads the commands (a use in them is an exec-time error).
  if (!pipe.isAssign) state.vars.push(...pipe.decl);
  for (;;) {
    const token = peekNonSpace(state);
    if (token.type === end) {
      next(state);
      break;
    }
    if (token.type === "eof" || token.type === "rightDelim" || token.type === "rightParen") {
      fail(token, `unexpected ${describe(token)} in ${context}`);
    }
    pipe.commands.push(parseCommand(state, end));
  }
  if (pipe.commands.length === 0) fail(first, `missing value for ${context}`);
  checkPipeline(pipe);
  return pipe;
}

function checkPipeline(pipe: Pipe): void {
  pipe.commands.slice(1).forEach((command, index) => {
    const term = command.operands[0]!.term.type;
    if (["bool", "dot", "nil", "number", "string"].includes(term)) {
      throw new GoTemplateSyntaxError(
        command.line,
        `non executable command in pipeline stage ${index + 2}`,
      );
    }
  });
}

function parseCommand(state: ParserState, end: TokenType): Command {
  const command: Command = { operands: [], line: peek(state).line };
  for (;;) {
    skipSpace(state);
    const operand = parseOperand(state);
    if (operand) command.operands.push(operand);
    const token = peek(state);
    if (token.type === "space") continue;
    if (token.type === end || token.type === "rightDelim" || token.type === "rightParen") break;
    if (token.type === "pipe") {
      next(state);
      break;
    }
    fail(token, `unexpected ${describe(token)} in operand`);
  }
  if (command.operands.length === 0) fail(peek(state), "empty command");
  return command;
}

function parseOperand(state: ParserState): Operand | undefined {
  const start = peek(state);
  const term = parseTerm(state);
  if (!term) return undefined;
  const operand: Operand = { term, fields: [], line: start.line };
  if (start.type === "field") operand.term = { type: "dot" };
  if (start.type === "field") operand.fields.push(start.value.slice(1));
  const literal = ["bool", "string", "number", "nil", "dot"].includes(term.type);
  if (peek(state).type === "field" && literal && start.type !== "field") {
    fail(peek(state), `unexpected . after term ${describe(start)}`);
  }
  while (peek(state).type === "field") operand.fields.push(next(state).value.slice(1));
  return operand;
}

function parseTerm(state: ParserState): Term | undefined {
  const token = peek(state);
  switch (token.type) {
    case "identifier":
      if (state.functions && !state.functions.has(token.value))
        fail(token, `function "${token.value}" not defined`);
      next(state);
      return { type: "function", name: token.value };
    case "dot":
    case "field":
      next(state);
      return { type: "dot" };
    case "nil":
      next(state);
      return { type: "nil" };
    case "variable":
      if (!state.vars.includes(token.value)) fail(token, `undefined variable "${token.value}"`);
      next(state);
      return { type: "variable", name: token.value };
    case "bool":
      next(state);
      return { type: "bool", value: token.value === "true" };
    case "number":
    case "char":
      next(state);
      return { type: "number", text: token.type === "char" ? token.value : token.value };
    case "string":
      next(state);
      return { type: "string", value: token.value };
    case "leftParen": {
      next(state);
      return { type: "pipe", pipe: parsePipeline(state, "parenthesized pipeline", "rightParen") };
    }
    default:
      return undefined;
  }
}
