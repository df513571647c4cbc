// Splits a Go text/template source into text and action tokens, as Go's text/template/parse lexer does.

import { GoTemplateSyntaxError } from "./ast.ts";
import { decodeGoChar, decodeGoString } from "./literals.ts";

/** The kinds of token of Go's lexer (itemText, itemLeftDelim, …), by their meaning. */
export type TokenType =
  | "text"
  | "leftDelim"
  | "rightDelim"
  | "comment"
  | "space"
  | "identifier"
  | "keyword"
  | "field"
  | "dot"
  | "variable"
  | "string"
  | "char"
  | "number"
  | "bool"
  | "nil"
  | "pipe"
  | "leftParen"
  | "rightParen"
  | "declare"
  | "assign"
  | "comma"
  | "eof";

/** One token; `line` is the 1-based line it starts on, `endLine` the line it ends on. */
export type Token = {
  type: TokenType;
  /** Source text; for strings and chars the decoded value, for text the text kept by Go. */
  value: string;
  line: number;
  endLine: number;
  /** Delimiters: whether it carries a trim marker (`{{- ` or ` -}}`). */
  trim?: boolean;
  /** Text: the source text before Go's trimming (newlines kept). */
  raw?: string;
  /** Text: whether Go trims its start (after ` -}}`) or its end (before `{{- `). */
  trimStart?: boolean;
  trimEnd?: boolean;
};

const KEYWORDS = new Set([
  "block",
  "break",
  "continue",
  "define",
  "else",
  "end",
  "if",
  "range",
  "template",
  "with",
]);
const GO_SPACE = /[ \t\r\n]/;
const ALPHANUMERIC = /[\p{L}\p{Nd}_]/u;
const NUMBER =
  /^[+-]?(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?[0-9_]+)?|0[bB][01_]+|0[oO][0-7_]+|(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][+-]?[0-9_]+)?)i?/;

type Cursor = { source: string; pos: number; line: number; tokens: Token[] };

function lineAt(cursor: Cursor, from: number, to: number): number {
  let line = cursor.line;
  for (let i = from; i < to; i++) if (cursor.source[i] === "\n") line++;
  return line;
}

function push(cursor: Cursor, type: TokenType, end: number, value?: string): Token {
  const text = cursor.source.slice(cursor.pos, end);
  const endLine = lineAt(cursor, cursor.pos, end);
  const token: Token = { type, value: value ?? text, line: cursor.line, endLine };
  cursor.tokens.push(token);
  cursor.pos = end;
  cursor.line = endLine;
  return token;
}

function trimEnd(text: string): string {
  let end = text.length;
  while (end > 0 && GO_SPACE.test(text[end - 1]!)) end--;
  return text.slice(0, end);
}

function trimStart(text: string): string {
  let start = 0;
  while (start < text.length && GO_SPACE.test(text[start]!)) start++;
  return text.slice(start);
}

/** Lexes text up to the next `{{`, then the action; returns when the source ends. */
export function lex(source: string): Token[] {
  const cursor: Cursor = { source, pos: 0, line: 1, tokens: [] };
  let trimNext = false;
  while (cursor.pos < source.length) {
    const open = source.indexOf("{{", cursor.pos);
    const end = open < 0 ? source.length : open;
    const leftTrim = open >= 0 && /^-[ \t\r\n]/.test(source.slice(open + 2, open + 4));
    if (end > cursor.pos) {
      const raw = source.slice(cursor.pos, end);
      let kept = trimNext ? trimStart(raw) : raw;
      if (leftTrim) kept = trimEnd(kept);
      Object.assign(push(cursor, "text", end, kept), {
        raw,
        trimStart: trimNext,
        trimEnd: leftTrim,
      });
    }
    if (open < 0) break;
    trimNext = lexAction(cursor, leftTrim);
  }
  cursor.tokens.push({ type: "eof", value: "", line: cursor.line, endLine: cursor.line });
  return cursor.tokens;
}

/** Lexes one action from `{{`; returns whether it ended with a right trim marker. */
function lexAction(cursor: Cursor, leftTrim: boolean): boolean {
  const { source } = cursor;
  push(cursor, "leftDelim", cursor.pos + (leftTrim ? 3 : 2)).trim = leftTrim;
  if (source.startsWith("/*", cursor.pos + (leftTrim ? 1 : 0))) return lexComment(cursor);
  for (;;) {
    if (cursor.pos >= source.length)
      throw new GoTemplateSyntaxError(cursor.line, "unclosed action");
    if (source.startsWith("}}", cursor.pos)) {
      push(cursor, "rightDelim", cursor.pos + 2).trim = false;
      return false;
    }
    const char = source[cursor.pos]!;
    if (GO_SPACE.test(char)) {
      let end = cursor.pos;
      while (end < source.length && GO_SPACE.test(source[end]!)) end++;
      if (source.startsWith("-}}", end)) {
        push(cursor, "space", end);
        push(cursor, "rightDelim", end + 3).trim = true;
        return true;
      }
      push(cursor, "space", end);
      continue;
    }
    lexActionToken(cursor, char);
  }
}

function lexComment(cursor: Cursor): boolean {
  const { source } = cursor;
  const start = source.indexOf("/*", cursor.pos);
  const close = source.indexOf("*/", start + 2);
  if (close < 0) throw new GoTemplateSyntaxError(cursor.line, "unclosed comment");
  push(cursor, "comment", close + 2);
  const rest = source.slice(cursor.pos);
  const trimmed = /^[ \t\r\n]-\}\}/.test(rest);
  if (!trimmed && !rest.startsWith("}}")) {
    throw new GoTemplateSyntaxError(cursor.line, "comment ends before closing delimiter");
  }
  push(cursor, "rightDelim", cursor.pos + (trimmed ? 4 : 2)).trim = trimmed;
  return trimmed;
}

const SINGLE: Record<string, TokenType> = {
  "|": "pipe",
  "(": "leftParen",
  ")": "rightParen",
  ",": "comma",
  "=": "assign",
};

function lexActionToken(cursor: Cursor, char: string): void {
  const { source, pos } = cursor;
  if (source.startsWith(":=", pos)) return void push(cursor, "declare", pos + 2);
  const single = SINGLE[char];
  if (single) return void push(cursor, single, pos + 1);
  if (char === '"' || char === "`" || char === "'") return void lexQuoted(cursor, char);
  if (char === "$") return void push(cursor, "variable", wordEnd(source, pos + 1));
  if (char === "." && !/[0-9]/.test(source[pos + 1] ?? "")) {
    const end = wordEnd(source, pos + 1);
    return void push(cursor, end === pos + 1 ? "dot" : "field", end);
  }
  const number = /[+\-.0-9]/.test(char) ? NUMBER.exec(source.slice(pos)) : null;
  if (number && number[0] !== "+" && number[0] !== "-") {
    return void push(cursor, "number", pos + number[0].length);
  }
  if (ALPHANUMERIC.test(char)) {
    const end = wordEnd(source, pos);
    const word = source.slice(pos, end);
    const type: TokenType = KEYWORDS.has(word)
      ? "keyword"
      : word === "true" || word === "false"
        ? "bool"
        : word === "nil"
          ? "nil"
          : "identifier";
    return void push(cursor, type, end);
  }
  throw new GoTemplateSyntaxError(
    cursor.line,
    `unrecognized character in action: ${JSON.stringify(char)}`,
  );
}

function wordEnd(source: string, from: number): number {
  let end = from;
  while (end < source.length && ALPHANUMERIC.test(source[end]!)) end++;
  return end;
}

function lexQuoted(cursor: Cursor, quote: string): void {
  const { source, pos } = cursor;
  let end = pos + 1;
  for (; end < source.length && source[end] !== quote; end++) {
    if (quote !== "`" && source[end] === "\\") end++;
    if (quote !== "`" && source[end] === "\n") break;
  }
  if (end >= source.length || source[end] !== quote) {
    throw new GoTemplateSyntaxError(
      cursor.line,
      `unterminated ${quote === "'" ? "character constant" : "quoted string"}`,
    );
  }
  const body = source.slice(pos + 1, end);
  if (quote === "`") push(cursor, "string", end + 1, body);
  else if (quote === '"') push(cursor, "string", end + 1, decodeGoString(body, cursor.line));
  else push(cursor, "char", end + 1, String(decodeGoChar(body, cursor.line)));
}
