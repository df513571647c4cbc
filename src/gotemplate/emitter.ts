// The converter's state: Liquid written so far, problems, names taken, and Go's scopes of variables.

import type { Delim, ParsedTemplate } from "./ast.ts";
import type { Kind } from "./functions.ts";
import { liquidString } from "./literals.ts";

/** One thing the converter could not convert exactly. */
export type ConversionProblem = { file: string; line: number; message: string };

/** A Liquid expression for a Go value: `atom` when it can be a filter argument (a name, a path
 * or a literal); `literal` is a string constant's value. */
export type Value = { code: string; kind: Kind; atom: boolean; literal?: string };

/**
 * The Liquid for Go's nil (and for the nil data confd executes templates with): a variable never
 * assigned, so filters get `undefined` (liquidjs's `nil` literal reaches filters as a drop object).
 */
export const NIL: Value = { code: "sluice_nil", kind: "nil", atom: true };

/** The input of a call without arguments (`datetime` ⇒ `nil | datetime`). */
export const NO_INPUT: Value = { code: "nil", kind: "nil", atom: true };

/** A Go variable as converted: its Liquid name and what is known of its value. */
export type Binding = { liquid: string; kind: Kind };

/** One Go scope: the variables declared in it, and dot when the scope changed it. */
type Frame = { vars: Map<string, Binding>; dot?: Value };

/** The variables and dot of one template body (the file, or a define expanded in place). */
export type Scope = { frames: Frame[] };

/** Everything one conversion accumulates. */
export type Emitter = {
  file: string;
  keyPrefix: string;
  defines: ParsedTemplate["defines"];
  problems: ConversionProblem[];
  out: string[];
  /** Tags of the action being converted; a define expanded in place writes into its caller's. */
  tags: string[];
  /** More than 0 while expanding a define in place: everything goes on the caller's line. */
  inline: number;
  expanding: string[];
  taken: Set<string>;
  counter: number;
  /** Go variables assigned with `=` somewhere: their kind is not known statically. */
  assigned: ReadonlySet<string>;
};

/** The scope of a template body whose dot (and `$`) is `dot`. */
export function createScope(dot: Value): Scope {
  return { frames: [{ vars: new Map([["$", { liquid: dot.code, kind: dot.kind }]]), dot }] };
}

/** Opens a Go scope (the body of if/with/range); `dot` when it changes dot. */
export function pushFrame(scope: Scope, dot?: Value): Frame {
  const frame: Frame = { vars: new Map(), dot };
  scope.frames.push(frame);
  return frame;
}

/** Closes the scopes opened since the scope had `depth` frames (at `{{end}}`). */
export function popFrames(scope: Scope, depth: number): void {
  scope.frames.length = depth;
}

/** Dot where the innermost scope is. */
export function dotOf(scope: Scope): Value {
  for (let i = scope.frames.length - 1; i >= 0; i--) {
    const dot = scope.frames[i]!.dot;
    if (dot) return dot;
  }
  return NIL;
}

/** The visible binding of Go variable `name` (`$x`), innermost first. */
export function lookup(scope: Scope, name: string): Binding | undefined {
  for (let i = scope.frames.length - 1; i >= 0; i--) {
    const binding = scope.frames[i]!.vars.get(name);
    if (binding) return binding;
  }
  return undefined;
}

const RESERVED = new Set([
  "nil",
  "null",
  "true",
  "false",
  "empty",
  "blank",
  "forloop",
  "tablerowloop",
]);
const RESERVED_WORDS = new Set(["and", "or", "not", "contains", "in", "with", "for", "if"]);

/** A Liquid name never used before in this conversion, close to `base`. */
export function freshName(em: Emitter, base: string): string {
  let name = /^[A-Za-z][A-Za-z0-9_]*$/.test(base)
    ? base
    : `v_${base.replace(/[^A-Za-z0-9_]/g, "")}`;
  if (RESERVED.has(name) || RESERVED_WORDS.has(name) || name.startsWith("sluice_"))
    name = `v_${name}`;
  let candidate = name;
  for (let n = 2; em.taken.has(candidate); n++) candidate = `${name}_${n}`;
  em.taken.add(candidate);
  return candidate;
}

/** A new temporary: `sluice_<role><n>`. */
export function temp(em: Emitter, role: string): string {
  return `sluice_${role}${++em.counter}`;
}

/** Declares Go variable `name` (`$x`) in the innermost frame, bound to a new Liquid name. */
export function declare(em: Emitter, scope: Scope, name: string, kind: Kind): Binding {
  const binding: Binding = {
    liquid: freshName(em, name.slice(1) || "v"),
    kind: em.assigned.has(name) ? "unknown" : kind,
  };
  scope.frames.at(-1)!.vars.set(name, binding);
  return binding;
}

/** Records something the Liquid does not do exactly as Go. */
export function problem(em: Emitter, line: number, message: string): void {
  em.problems.push({ file: em.file, line, message });
}

/** Puts a value in a temporary unless it already is an atom (filter arguments must be). */
export function atomize(em: Emitter, value: Value): Value {
  if (value.atom) return value;
  const name = temp(em, "t");
  em.tags.push(`{% assign ${name} = ${value.code} %}`);
  return { code: name, kind: value.kind, atom: true };
}

/**
 * Converts one Go action: `build` pushes its Liquid tags; they keep to the action's first line
 * (its other lines become newlines inside the last tag) and carry its trim markers.
 */
export function action(em: Emitter, delim: Delim, build: () => void): void {
  const outer = em.tags;
  em.tags = [];
  build();
  const tags = em.tags;
  em.tags = outer;
  if (em.inline > 0) {
    outer.push(...tags);
    return;
  }
  const newlines = delim.endLine - delim.line;
  const padding = "\n".repeat(newlines);
  // An action that prints nothing still leaves a tag: without one, the texts on either side would
  // be one Liquid text, and a trim marker after it would reach text Go keeps.
  if (tags.length === 0 && newlines === 0) tags.push("{% # %}");
  else if (tags.length === 0) tags.push(`{% comment %}${padding}`, "{% endcomment %}");
  else tags.push(tags.pop()!.replace(/ ?([}%])\}$/, `${padding} $1}`));
  if (delim.trimLeft) tags[0] = tags[0]!.replace(/^\{([{%])/, "{$1-");
  if (delim.trimRight) tags.push(tags.pop()!.replace(/ ([}%])\}$/, " -$1}"));
  em.out.push(tags.join(""));
}

/** Writes Liquid that is not an action (text): to the output, or the caller's line when inline. */
export function write(em: Emitter, liquid: string): void {
  if (em.inline > 0) em.tags.push(liquid);
  else em.out.push(liquid);
}

/** A string value as a Liquid literal. */
export function stringValue(value: string): Value {
  return { code: liquidString(value), kind: "string", atom: true, literal: value };
}
