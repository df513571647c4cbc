// Go string, char and number constants decoded to values, and values written as Liquid literals.

import { GoTemplateSyntaxError } from "./ast.ts";

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  "\\": 92,
  '"': 34,
  "'": 39,
};

/** Decodes the escapes of a Go interpreted string or char body into UTF-8 bytes. */
function decodeEscapes(body: string, quote: string, line: number): Uint8Array {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  const bad = () => new GoTemplateSyntaxError(line, `invalid escape in ${quote}${body}${quote}`);
  for (let i = 0; i < body.length; i++) {
    const char = body[i]!;
    if (char !== "\\") {
      const point = body.codePointAt(i)!;
      if (point > 0xffff) i++;
      bytes.push(...encoder.encode(String.fromCodePoint(point)));
      continue;
    }
    const next = body[++i] ?? "";
    const simple = SIMPLE_ESCAPES[next];
    if (
      simple !== undefined &&
      (next !== "'" || quote === "'") &&
      (next !== '"' || quote === '"')
    ) {
      bytes.push(simple);
    } else if (/[0-7]/.test(next)) {
      const digits = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(digits) || Number.parseInt(digits, 8) > 255) throw bad();
      bytes.push(Number.parseInt(digits, 8));
      i += 2;
    } else if (next === "x" || next === "u" || next === "U") {
      const size = next === "x" ? 2 : next === "u" ? 4 : 8;
      const digits = body.slice(i + 1, i + 1 + size);
      if (!new RegExp(`^[0-9a-fA-F]{${size}}$`).test(digits)) throw bad();
      const value = Number.parseInt(digits, 16);
      if (next === "x") bytes.push(value);
      else if (value > 0x10ffff || (value >= 0xd800 && value < 0xe000)) throw bad();
      else bytes.push(...encoder.encode(String.fromCodePoint(value)));
      i += size;
    } else {
      throw bad();
    }
  }
  return Uint8Array.from(bytes);
}

/** The value of a Go interpreted string body (between the double quotes). */
export function decodeGoString(body: string, line: number): string {
  const bytes = decodeEscapes(body, '"', line);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new GoTemplateSyntaxError(line, `string "${body}" is not valid UTF-8`);
  }
}

/** The code point of a Go char constant body (between the single quotes). */
export function decodeGoChar(body: string, line: number): number {
  const bytes = decodeEscapes(body, "'", line);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new GoTemplateSyntaxError(line, `malformed character constant: '${body}'`);
  }
  const points = [...text];
  if (points.length !== 1)
    throw new GoTemplateSyntaxError(line, `malformed character constant: '${body}'`);
  return points[0]!.codePointAt(0)!;
}

/** A Go number constant: its value, and whether Go gives it a float type. */
export type GoNumber = { value: number; float: boolean };

/** Parses a Go number constant the way text/template reads one; undefined when it is not one. */
export function parseGoNumber(text: string): GoNumber | undefined {
  if (text.endsWith("i")) return undefined;
  const clean = text.replaceAll("_", "");
  const sign = clean.startsWith("-") ? -1 : 1;
  const body = clean.replace(/^[+-]/, "");
  const radix = /^0[xX]/.test(body) ? 16 : /^0[bB]/.test(body) ? 2 : /^0[oO]/.test(body) ? 8 : 0;
  if (radix && /^0[xXbBoO][0-9a-fA-F]+$/.test(body)) {
    return { value: sign * Number.parseInt(body.slice(2), radix), float: false };
  }
  if (radix === 16) return undefined;
  if (/^0[0-7]+$/.test(body)) return { value: sign * Number.parseInt(body, 8), float: false };
  if (/^[0-9]+$/.test(body)) return { value: sign * Number.parseInt(body, 10), float: false };
  const value = Number(body);
  if (Number.isNaN(value)) return undefined;
  return { value: sign * value, float: true };
}

/** A JS string as a Liquid double-quoted literal that keeps to one line; `{` and `}` are escaped,
 * since liquidjs ends a tag at the first `%}` even inside quotes. */
export function liquidString(value: string): string {
  let out = '"';
  for (const char of value) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === "\\") out += `\\${char}`;
    else if (code < 0x20 || code === 0x7f || char === "{" || char === "}") {
      out += `\\u${code.toString(16).padStart(4, "0")}`;
    } else if (code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16)}`;
    else out += char;
  }
  return `${out}"`;
}
