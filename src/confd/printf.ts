// Go's fmt.Sprintf, Sprint and Sprintln over template values.

import { type Directive, formatOperand } from "./fmt-verbs.ts";
import { formatValue, kindOf, numberOf, typeName } from "./values.ts";

/** Go's fmt refuses widths and precisions above this (`%!(BADWIDTH)`). */
const TOO_LARGE = 1_000_000;

type Cursor = { format: string; at: number; arg: number; reordered: boolean; badIndex: boolean };

function readNumber(cursor: Cursor): number | undefined {
  const match = /^\d+/.exec(cursor.format.slice(cursor.at));
  if (!match) return undefined;
  cursor.at += match[0].length;
  return Number(match[0]);
}

/** `[n]` before a width, precision or verb: the next operand is the n-th. */
function readIndex(cursor: Cursor, count: number): void {
  if (cursor.format[cursor.at] !== "[") return;
  const close = cursor.format.indexOf("]", cursor.at);
  const index = Number(cursor.format.slice(cursor.at + 1, close));
  cursor.reordered = true;
  if (close < 0 || !/^\d+$/.test(cursor.format.slice(cursor.at + 1, close)) || index < 1) {
    cursor.badIndex = true;
    cursor.at = close < 0 ? cursor.format.length : close + 1;
    return;
  }
  cursor.at = close + 1;
  cursor.arg = index - 1;
  if (index > count) cursor.badIndex = true;
}

/** A `*` width or precision: the operand must be an int. */
function readStar(cursor: Cursor, args: unknown[]): number | undefined {
  cursor.at++;
  const value = args[cursor.arg];
  cursor.arg++;
  if (kindOf(value) !== "int") return undefined;
  return numberOf(value);
}

function readFlags(cursor: Cursor): Directive {
  const directive: Directive = {
    minus: false,
    plus: false,
    sharp: false,
    space: false,
    zero: false,
  };
  for (;;) {
    const char = cursor.format[cursor.at];
    if (char === "-") {
      directive.minus = true;
      directive.zero = false;
    } else if (char === "+") directive.plus = true;
    else if (char === "#") directive.sharp = true;
    else if (char === " ") directive.space = true;
    else if (char === "0") directive.zero = !directive.minus;
    else return directive;
    cursor.at++;
  }
}

/** Reads width and precision; returns an error text for a bad one. */
function readSizes(cursor: Cursor, directive: Directive, args: unknown[]): string {
  let problem = "";
  readIndex(cursor, args.length);
  if (cursor.format[cursor.at] === "*") {
    const width = readStar(cursor, args);
    if (width === undefined || Math.abs(width) > TOO_LARGE) problem += "%!(BADWIDTH)";
    else if (width < 0) {
      directive.minus = true;
      directive.zero = false;
      directive.width = -width;
    } else directive.width = width;
  } else {
    directive.width = readNumber(cursor);
    if ((directive.width ?? 0) > TOO_LARGE) {
      problem += "%!(BADWIDTH)";
      directive.width = undefined;
    }
  }
  if (cursor.format[cursor.at] === ".") {
    cursor.at++;
    readIndex(cursor, args.length);
    if (cursor.format[cursor.at] === "*") {
      const precision = readStar(cursor, args);
      if (precision === undefined || precision > TOO_LARGE) problem += "%!(BADPREC)";
      else if (precision >= 0) directive.precision = precision;
    } else directive.precision = readNumber(cursor) ?? 0;
    if ((directive.precision ?? 0) > TOO_LARGE) {
      problem += "%!(BADPREC)";
      directive.precision = undefined;
    }
  }
  readIndex(cursor, args.length);
  return problem;
}

/** Go's fmt.Sprintf. */
export function sprintf(format: string, args: unknown[]): string {
  const cursor: Cursor = { format, at: 0, arg: 0, reordered: false, badIndex: false };
  let out = "";
  while (cursor.at < format.length) {
    const next = format.indexOf("%", cursor.at);
    if (next < 0) {
      out += format.slice(cursor.at);
      break;
    }
    out += format.slice(cursor.at, next);
    cursor.at = next + 1;
    cursor.badIndex = false;
    const directive = readFlags(cursor);
    out += readSizes(cursor, directive, args);
    if (cursor.at >= format.length) {
      out += "%!(NOVERB)";
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(cursor.at)!);
    cursor.at += verb.length;
    if (verb === "%") out += "%";
    else if (cursor.badIndex) out += `%!${verb}(BADINDEX)`;
    else if (cursor.arg >= args.length) out += `%!${verb}(MISSING)`;
    else out += formatOperand(args[cursor.arg++], verb, directive);
  }
  if (!cursor.reordered && cursor.arg < args.length) {
    const extra = args.slice(cursor.arg).map((arg) => {
      return arg === null || arg === undefined ? "<nil>" : `${typeName(arg)}=${formatValue(arg)}`;
    });
    out += `%!(EXTRA ${extra.join(", ")})`;
  }
  return out;
}

/** Go's fmt.Sprint: operands as `%v`, a space between two that are both not strings. */
export function sprint(args: unknown[]): string {
  let out = "";
  args.forEach((arg, index) => {
    const isString = typeof arg === "string";
    const previousString = index > 0 && typeof args[index - 1] === "string";
    if (index > 0 && !isString && !previousString) out += " ";
    out += formatValue(arg);
  });
  return out;
}

/** Go's fmt.Sprintln: operands as `%v` separated by spaces, then a newline. */
export function sprintln(args: unknown[]): string {
  return `${args.map(formatValue).join(" ")}\n`;
}
