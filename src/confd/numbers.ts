// confd's integer functions: atoi, seq, add, sub, mul, div, mod (Go ints). Pure.

import { kindOf, numberOf, typeName } from "./values.ts";

/** Longest list `seq` builds, so a template cannot exhaust memory in one filter call. */
export const SEQ_LIMIT = 1_000_000;

function int(value: unknown, name: string): number {
  if (kindOf(value) !== "int") {
    throw new Error(`wrong type for value; expected int; got ${typeName(value)} (${name})`);
  }
  return numberOf(value);
}

/** Go's strconv.Atoi. */
export function atoi(text: unknown): number {
  const source = String(text);
  if (typeof text !== "string" || !/^[+-]?\d+$/.test(text)) {
    throw new Error(`strconv.Atoi: parsing ${JSON.stringify(source)}: invalid syntax`);
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new Error(`strconv.Atoi: parsing ${JSON.stringify(source)}: value out of range`);
  }
  return value;
}

/** confd's seq: the ints from `first` to `last`, inclusive (empty when last < first). */
export function seq(first: unknown, last: unknown): number[] {
  const from = int(first, "first");
  const to = int(last, "last");
  if (to - from + 1 > SEQ_LIMIT) throw new Error(`seq: more than ${SEQ_LIMIT} numbers`);
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}

type Operator = (a: number, b: number) => number;

function arithmetic(name: string, operator: Operator): (a: unknown, b: unknown) => number {
  return (a, b) => operator(int(a, `${name} a`), int(b, `${name} b`));
}

/** Go's integer division, truncated toward zero; by zero throws. */
function divide(a: number, b: number): number {
  if (b === 0) throw new Error("integer divide by zero");
  return Math.trunc(a / b);
}

/** Go's integer remainder, the sign of the dividend; by zero throws. */
function remainder(a: number, b: number): number {
  if (b === 0) throw new Error("integer divide by zero");
  return a % b;
}

export const add = arithmetic("add", (a, b) => a + b);
export const sub = arithmetic("sub", (a, b) => a - b);
export const mul = arithmetic("mul", (a, b) => a * b);
export const div = arithmetic("div", divide);
export const mod = arithmetic("mod", remainder);
