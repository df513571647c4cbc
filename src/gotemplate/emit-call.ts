// Converts a call of a confd or Go built-in function to its filter; `and`/`or` stay lazy as in Go.

import type { Thunk } from "./emit-expr.ts";
import {
  atomize,
  type Emitter,
  NIL,
  NO_INPUT,
  problem,
  stringValue,
  temp,
  type Value,
} from "./emitter.ts";
import { ELEMENT_KIND, FUNCTIONS, type Kind, UNPRINTABLE } from "./functions.ts";

const PRINTERS = new Set(["print", "printf", "println", "html", "js", "urlquery"]);

/** Converts `name args…` (the piped value last among `args`). */
export function callFunction(em: Emitter, name: string, args: Thunk[], line: number): Value {
  const spec = FUNCTIONS.get(name);
  if (!spec) {
    const why =
      name === "call"
        ? "call: calling Go function values has no Liquid equivalent"
        : `function "${name}" not defined (confd has no such function)`;
    problem(em, line, why);
    return NIL;
  }
  if (args.length < spec.min || (spec.max !== undefined && args.length > spec.max)) {
    const wanted =
      spec.max === spec.min
        ? `${spec.min}`
        : `${spec.min}${spec.max === undefined ? " or more" : `-${spec.max}`}`;
    // Go checks the count only when the call runs: a branch never taken renders fine.
    const message = `error calling ${name}: wrong number of args for ${name}: want ${wanted} got ${args.length}`;
    return { code: `nil | go_fail: ${JSON.stringify(message)}`, kind: "unknown", atom: false };
  }
  if (name === "and" || name === "or") return logic(em, name, args);
  const values = args.map((arg) => arg());
  if (spec.key) values[0] = prefixed(em, name, values[0]!, line);
  if (PRINTERS.has(name)) {
    const unprintable = values.find((value) => UNPRINTABLE[value.kind]);
    if (unprintable)
      problem(em, line, `${name} of a ${unprintable.kind} value: ${UNPRINTABLE[unprintable.kind]}`);
  }
  const [input = NO_INPUT, ...rest] = values;
  const filterArgs = rest.map((value) => atomize(em, value).code);
  const code = `${input.code} | ${spec.filter}${filterArgs.length ? `: ${filterArgs.join(", ")}` : ""}`;
  return { code, kind: resultKind(name, spec.result, input.kind), atom: false };
}

function resultKind(name: string, result: Kind | "input", input: Kind): Kind {
  if (name === "slice" && input === "string") return "string";
  if (result !== "input") return result;
  return ELEMENT_KIND[input] ? input : "unknown";
}

/** confd's `prefix` on a key argument: only a string constant can take it statically. */
function prefixed(em: Emitter, name: string, key: Value, line: number): Value {
  if (!em.keyPrefix) return key;
  if (key.literal === undefined) {
    problem(
      em,
      line,
      `${name} of a computed key: the key prefix "${em.keyPrefix}" cannot be added`,
    );
    return key;
  }
  const prefix = em.keyPrefix.replace(/\/+$/, "");
  const joined = key.literal.startsWith("/") ? key.literal : `/${key.literal}`;
  return stringValue(`${prefix}${joined}`);
}

/**
 * Go's `and`/`or`: the first argument that decides, later ones not evaluated. When the later
 * arguments are plain names or constants the eager filter gives the same; otherwise each later
 * argument is computed inside an `if` on the truth of the value so far.
 */
function logic(em: Emitter, name: "and" | "or", args: Thunk[]): Value {
  const first = args[0]!();
  if (args.length === 1) return first;
  const outer = em.tags;
  const rest = args.slice(1).map((arg) => {
    em.tags = [];
    const value = arg();
    return { value, tags: em.tags };
  });
  em.tags = outer;
  const kind = [first, ...rest.map((r) => r.value)].every((v) => v.kind === first.kind)
    ? first.kind
    : "unknown";
  if (rest.every((r) => r.tags.length === 0 && r.value.atom)) {
    const filterArgs = rest.map((r) => r.value.code).join(", ");
    return { code: `${first.code} | ${name}: ${filterArgs}`, kind, atom: false };
  }
  const result = temp(em, "l");
  em.tags.push(`{% assign ${result} = ${first.code} %}`);
  for (const { value, tags } of rest) {
    const truth = temp(em, "c");
    em.tags.push(`{% assign ${truth} = ${result} | truthy %}`);
    em.tags.push(name === "and" ? `{% if ${truth} %}` : `{% unless ${truth} %}`);
    em.tags.push(...tags, `{% assign ${result} = ${value.code} %}`);
  }
  for (const _ of rest) em.tags.push(name === "and" ? "{% endif %}" : "{% endunless %}");
  return { code: result, kind, atom: true };
}
