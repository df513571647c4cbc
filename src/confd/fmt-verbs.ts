// Go fmt's formatting of one operand for one verb: flags, width, precision, per kind.

import { type FloatFormat, formatFloat } from "./float.ts";
import { formatValue, kindOf, numberOf, sortedKeys, structFields, typeName } from "./values.ts";

/** One parsed `%` directive's flags, width and precision. */
export type Directive = {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width?: number;
  precision?: number;
};

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function escapeRune(char: string, quote: string): string {
  const code = char.codePointAt(0)!;
  if (char === quote || char === "\\") return `\\${char}`;
  if (PRINTABLE.test(char)) return char;
  const named: Record<number, string> = {
    7: "a",
    8: "b",
    12: "f",
    10: "n",
    13: "r",
    9: "t",
    11: "v",
  };
  if (named[code]) return `\\${named[code]}`;
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, "0")}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, "0")}`;
  return `\\U${code.toString(16).padStart(8, "0")}`;
}

/** Go's strconv.Quote. */
export function quote(text: string): string {
  return `"${[...text].map((char) => escapeRune(char, '"')).join("")}"`;
}

function pad(text: string, directive: Directive, zeros = directive.zero): string {
  const missing = (directive.width ?? 0) - [...text].length;
  if (missing <= 0) return text;
  if (directive.minus) return text + " ".repeat(missing);
  return (zeros ? "0" : " ").repeat(missing) + text;
}

/** `%!v(type=value)`: what Go prints for a verb the operand's kind does not take. */
export function badVerb(verb: string, value: unknown): string {
  if (value === null || value === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(value)}=${formatValue(value)})`;
}

const BASES: Record<string, number> = { d: 10, v: 10, b: 2, o: 8, O: 8, x: 16, X: 16 };

function formatInteger(n: number, verb: string, directive: Directive): string {
  if (verb === "c") return pad(String.fromCodePoint(n), directive);
  if (verb === "q") return pad(`'${escapeRune(String.fromCodePoint(n), "'")}'`, directive);
  if (verb === "U") return pad(`U+${n.toString(16).toUpperCase().padStart(4, "0")}`, directive);
  const base = BASES[verb];
  if (base === undefined) return badVerb(verb, n);
  const negative = n < 0;
  let digits = Math.abs(n).toString(base);
  if (verb === "X") digits = digits.toUpperCase();
  const signed = negative || directive.plus || directive.space;
  if (directive.precision !== undefined) {
    digits = directive.precision === 0 && n === 0 ? "" : digits.padStart(directive.precision, "0");
  } else if (directive.zero && !directive.minus && directive.width !== undefined) {
    digits = digits.padStart(directive.width - (signed ? 1 : 0), "0");
  }
  let prefix = "";
  if (verb === "O") prefix = "0o";
  else if (directive.sharp) {
    prefix = { b: "0b", o: digits.startsWith("0") ? "" : "0", x: "0x", X: "0X" }[verb] ?? "";
  }
  const sign = negative ? "-" : directive.plus ? "+" : directive.space ? " " : "";
  return pad(sign + prefix + digits, directive, false);
}

const FLOAT_VERBS: Record<string, [FloatFormat, number]> = {
  v: ["g", -1],
  g: ["g", -1],
  G: ["G", -1],
  e: ["e", 6],
  E: ["E", 6],
  f: ["f", 6],
  F: ["f", 6],
};

function formatFloatVerb(value: unknown, verb: string, directive: Directive): string {
  const format = FLOAT_VERBS[verb];
  if (!format) return badVerb(verb, value);
  const x = numberOf(value);
  let text = formatFloat(x, format[0], directive.precision ?? format[1]);
  let sign = "+";
  if (text.startsWith("-") || text.startsWith("+")) {
    sign = text[0]!;
    text = text.slice(1);
  }
  if (directive.space && sign === "+" && !directive.plus) sign = " ";
  if (text === "Inf" || text === "NaN") {
    const shown = text === "NaN" && !directive.space && !directive.plus ? text : sign + text;
    return pad(shown, directive, false);
  }
  if (directive.plus || sign !== "+") {
    const width = directive.width ?? 0;
    if (directive.zero && !directive.minus && width > text.length + 1) {
      return sign + "0".repeat(width - text.length - 1) + text;
    }
    return pad(sign + text, directive);
  }
  return pad(text, directive);
}

function formatString(text: string, verb: string, directive: Directive): string {
  const chars = [...text];
  const cut =
    directive.precision !== undefined ? chars.slice(0, directive.precision).join("") : text;
  if (verb === "v" || verb === "s") return pad(cut, directive);
  if (verb === "q") {
    const backquoted = directive.sharp && !/[`\p{Cc}]/u.test(cut);
    return pad(backquoted ? `\`${cut}\`` : quote(cut), directive);
  }
  if (verb === "x" || verb === "X") {
    let hex = Buffer.from(text, "utf8").toString("hex");
    if (directive.precision !== undefined) hex = hex.slice(0, directive.precision * 2);
    if (verb === "X") hex = hex.toUpperCase();
    return pad((directive.sharp ? (verb === "X" ? "0X" : "0x") : "") + hex, directive);
  }
  return badVerb(verb, text);
}

function formatComposite(value: unknown, verb: string, directive: Directive): string {
  const kind = kindOf(value);
  if (kind === "list") {
    return `[${(value as unknown[]).map((item) => formatOperand(item, verb, directive)).join(" ")}]`;
  }
  if (kind === "map") {
    const map = value as Record<string, unknown>;
    const pairs = sortedKeys(map).map(
      (key) => `${formatOperand(key, verb, directive)}:${formatOperand(map[key], verb, directive)}`,
    );
    return `map[${pairs.join(" ")}]`;
  }
  const stringer = (value as { goString?: () => string }).goString;
  if (typeof stringer === "function") {
    return "vsqxX".includes(verb)
      ? formatString(stringer.call(value), verb, directive)
      : badVerb(verb, value);
  }
  const fields = structFields(value).map(([name, field]) => {
    const text = formatOperand(field, verb, directive);
    return directive.plus && verb === "v" ? `${name}:${text}` : text;
  });
  return `{${fields.join(" ")}}`;
}

/** One operand printed for `verb` with `directive`, as Go's fmt does. */
export function formatOperand(value: unknown, verb: string, directive: Directive): string {
  if (verb === "T") return pad(typeName(value), directive);
  switch (kindOf(value)) {
    case "nil":
      return verb === "v" ? pad("<nil>", directive) : badVerb(verb, value);
    case "bool":
      return verb === "v" || verb === "t" ? pad(String(value), directive) : badVerb(verb, value);
    case "int":
      return formatInteger(numberOf(value), verb, directive);
    case "float":
      return formatFloatVerb(value, verb, directive);
    case "string":
      return formatString(value as string, verb, directive);
    default:
      return formatComposite(value, verb, directive);
  }
}
