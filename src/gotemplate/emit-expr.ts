// Converts pipelines, commands and operands to Liquid expressions built from Contract 1's filters.

import type { Command, Operand, Pipe, Term } from "./ast.ts";
import { callFunction } from "./emit-call.ts";
import {
  atomize,
  declare,
  dotOf,
  type Emitter,
  lookup,
  NIL,
  problem,
  type Scope,
  stringValue,
  type Value,
} from "./emitter.ts";
import { type Kind, STRUCT_FIELDS } from "./functions.ts";
import { liquidString, parseGoNumber } from "./literals.ts";

/** A value computed only when asked (so `and`/`or` can skip it as Go does). */
export type Thunk = () => Value;

/**
 * Converts a pipeline; with `bind`, its declaration (`$x := …`) or assignment (`$x = …`) is
 * written as an `assign`, and the value is the variable.
 */
export function evalPipe(em: Emitter, scope: Scope, pipe: Pipe, bind = true): Value {
  let value: Value | undefined;
  for (const command of pipe.commands) value = evalCommand(em, scope, command, value);
  if (!bind || pipe.decl.length === 0) return value!;
  const name = pipe.decl[0]!;
  if (pipe.decl.length > 1) problem(em, pipe.line, `too many declarations for ${name}`);
  const existing = pipe.isAssign ? lookup(scope, name) : undefined;
  const binding = existing ?? declare(em, scope, name, value!.kind);
  if (existing && existing.kind !== value!.kind) existing.kind = "unknown";
  em.tags.push(`{% assign ${binding.liquid} = ${value!.code} %}`);
  return { code: binding.liquid, kind: binding.kind, atom: true };
}

function evalCommand(em: Emitter, scope: Scope, command: Command, piped?: Value): Value {
  const [first, ...rest] = command.operands;
  const thunks: Thunk[] = rest.map((operand) => () => evalOperand(em, scope, operand));
  if (piped) thunks.push(() => piped);
  if (first!.term.type === "function" && first!.fields.length === 0) {
    return callFunction(em, first!.term.name, thunks, command.line);
  }
  if (first!.term.type === "nil" && first!.fields.length === 0) {
    problem(em, command.line, "nil is not a command (Go fails here)");
    return NIL;
  }
  if (thunks.length === 0) return evalOperand(em, scope, first!);
  return evalOperand(em, scope, first!, thunks);
}

/** Converts an operand; `args` are the arguments of a method call at the end of its chain. */
export function evalOperand(em: Emitter, scope: Scope, operand: Operand, args?: Thunk[]): Value {
  let value = evalTerm(em, scope, operand.term, operand.line);
  if (args && operand.fields.length === 0) {
    problem(
      em,
      operand.line,
      `can't give arguments to a non-function (${describeTerm(operand.term)})`,
    );
    return NIL;
  }
  operand.fields.forEach((field, index) => {
    const last = index === operand.fields.length - 1;
    value = evalField(em, value, field, operand.line, last ? args : undefined);
  });
  return value;
}

function describeTerm(term: Term): string {
  if (term.type === "variable") return term.name;
  if (term.type === "string") return liquidString(term.value);
  return term.type;
}

function evalTerm(em: Emitter, scope: Scope, term: Term, line: number): Value {
  switch (term.type) {
    case "dot":
      return dotOf(scope);
    case "nil":
      return NIL;
    case "bool":
      return { code: String(term.value), kind: "bool", atom: true };
    case "string":
      return stringValue(term.value);
    case "number":
      return numberValue(em, term.text, line);
    case "variable": {
      const binding = lookup(scope, term.name);
      if (!binding) {
        problem(em, line, `undefined variable "${term.name}" (used in its own declaration)`);
        return NIL;
      }
      return { code: binding.liquid, kind: binding.kind, atom: true };
    }
    case "function":
      return callFunction(em, term.name, [], line);
    case "pipe":
      return evalPipe(em, scope, term.pipe);
  }
}

function numberValue(em: Emitter, text: string, line: number): Value {
  const number = parseGoNumber(text);
  if (!number) {
    problem(em, line, `number constant ${text}: complex or malformed numbers are not supported`);
    return NIL;
  }
  if (number.float || !Number.isSafeInteger(number.value)) {
    problem(
      em,
      line,
      `number constant ${text}: Go gives it type float64 (or it is out of range); Liquid has no such literal`,
    );
    return NIL;
  }
  return { code: String(number.value), kind: "int", atom: true };
}

const LIQUID_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Properties liquidjs answers itself when a map lacks them; Go would give no value. */
const LIQUID_SPECIAL = new Set(["size", "first", "last"]);
const NOT_MAPS: ReadonlySet<Kind> = new Set([
  "string",
  "stringList",
  "kvList",
  "srvList",
  "intList",
  "int",
  "bool",
]);

function evalField(em: Emitter, value: Value, field: string, line: number, args?: Thunk[]): Value {
  if (value.kind === "nil") {
    if (args) problem(em, line, `method .${field} called on nil`);
    return NIL;
  }
  if (value.kind === "time") return timeMethod(em, value, field, line, args);
  if (args) {
    problem(em, line, `method call .${field} with arguments: only time's .Format has a filter`);
    return NIL;
  }
  const fields = STRUCT_FIELDS[value.kind];
  if (fields && !(field in fields)) {
    problem(
      em,
      line,
      `.${field}: a ${value.kind} value has only ${Object.keys(fields).join(", ")}`,
    );
    return NIL;
  }
  if (NOT_MAPS.has(value.kind)) {
    problem(em, line, `.${field}: can't evaluate a field of a ${value.kind} value`);
    return NIL;
  }
  if (!fields && LIQUID_SPECIAL.has(field)) {
    problem(em, line, `.${field}: liquidjs answers .${field} itself when a map lacks the key`);
  }
  const base = atomize(em, value);
  const access = LIQUID_NAME.test(field) ? `.${field}` : `[${liquidString(field)}]`;
  return { code: `${base.code}${access}`, kind: fields?.[field] ?? "unknown", atom: true };
}

function timeMethod(em: Emitter, value: Value, field: string, line: number, args?: Thunk[]): Value {
  if (field !== "Format" || args?.length !== 1) {
    problem(em, line, `method .${field} of a time value: only .Format "layout" has a filter`);
    return NIL;
  }
  const layout = atomize(em, args[0]!());
  return { code: `${value.code} | timeFormat: ${layout.code}`, kind: "string", atom: false };
}
