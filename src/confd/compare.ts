// Go text/template's comparison functions: eq, ne, lt, le, gt, ge, with its basic-kind rules.

import { compareStrings, type GoKind, kindOf, numberOf } from "./values.ts";

const BASIC: GoKind[] = ["bool", "int", "float", "string"];

/** Thrown for operands text/template refuses to compare. */
export class ComparisonError extends Error {}

function basicKind(value: unknown): GoKind | undefined {
  const kind = kindOf(value);
  return BASIC.includes(kind) ? kind : undefined;
}

function equalPair(left: unknown, right: unknown): boolean {
  const leftKind = kindOf(left);
  const rightKind = kindOf(right);
  if (leftKind !== rightKind) {
    if (leftKind !== "nil" && rightKind !== "nil") {
      throw new ComparisonError("incompatible types for comparison");
    }
    return false;
  }
  switch (leftKind) {
    case "nil":
      return true;
    case "int":
    case "float":
      return numberOf(left) === numberOf(right);
    case "bool":
    case "string":
      return left === right;
    case "struct":
      return JSON.stringify(left) === JSON.stringify(right);
    default:
      throw new ComparisonError(`non-comparable type ${leftKind}`);
  }
}

/** Go's eq: whether `left` equals any of `rights`. */
export function goEq(left: unknown, ...rights: unknown[]): boolean {
  if (rights.length === 0) throw new ComparisonError("missing argument for comparison");
  return rights.some((right) => equalPair(left, right));
}

/** Go's ne. */
export function goNe(left: unknown, right: unknown): boolean {
  return !goEq(left, right);
}

/** Go's lt: ordered basic kinds only (ints, floats, strings), both of the same kind. */
export function goLt(left: unknown, right: unknown): boolean {
  const leftKind = basicKind(left);
  const rightKind = basicKind(right);
  if (!leftKind || !rightKind) throw new ComparisonError("invalid type for comparison");
  if (leftKind !== rightKind) throw new ComparisonError("incompatible types for comparison");
  if (leftKind === "bool") throw new ComparisonError("invalid type for comparison");
  if (leftKind === "string") return compareStrings(left as string, right as string) < 0;
  return numberOf(left) < numberOf(right);
}

/** Go's le. */
export function goLe(left: unknown, right: unknown): boolean {
  return goLt(left, right) || goEq(left, right);
}

/** Go's gt. */
export function goGt(left: unknown, right: unknown): boolean {
  return !goLe(left, right);
}

/** Go's ge. */
export function goGe(left: unknown, right: unknown): boolean {
  return !goLt(left, right);
}
