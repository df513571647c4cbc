// Converts the nodes of a Go template: actions, if/with/range with their else branches, templates.

import type { ControlNode, Node, TemplateNode } from "./ast.ts";
import { evalPipe } from "./emit-expr.ts";
import { emitText } from "./emit-text.ts";
import {
  action,
  atomize,
  createScope,
  declare,
  type Emitter,
  lookup,
  NIL,
  popFrames,
  problem,
  pushFrame,
  type Scope,
  temp,
  type Value,
} from "./emitter.ts";
import { ELEMENT_KIND, type Kind, UNPRINTABLE } from "./functions.ts";

/** Converts a list of nodes in `scope`. */
export function emitList(em: Emitter, scope: Scope, nodes: Node[]): void {
  for (const node of nodes) emitNode(em, scope, node);
}

function emitNode(em: Emitter, scope: Scope, node: Node): void {
  switch (node.type) {
    case "text":
      emitText(em, node);
      return;
    case "quiet":
      action(em, node.delim, () => {});
      return;
    case "break":
    case "continue":
      action(em, node.delim, () => em.tags.push(`{% ${node.type} %}`));
      return;
    case "action":
      action(em, node.delim, () => {
        const value = evalPipe(em, scope, node.pipe);
        if (node.pipe.decl.length > 0) return;
        const why = UNPRINTABLE[value.kind];
        if (why) problem(em, node.pipe.line, `printing a ${value.kind} value: ${why}`);
        const code = value.kind === "string" ? value.code : `${value.code} | go_value`;
        em.tags.push(`{{ ${code} }}`);
      });
      return;
    case "template":
      emitTemplate(em, scope, node);
      return;
    default:
      emitControl(em, scope, node);
  }
}

/** Opens one control (pushing its frame); returns the tag that closes it. */
function openControl(em: Emitter, scope: Scope, node: ControlNode): string {
  const frame = pushFrame(scope);
  if (node.type === "range") return openRange(em, scope, node);
  const value = evalPipe(em, scope, node.pipe);
  const subject = node.type === "with" ? atomize(em, value) : value;
  const truth = temp(em, "c");
  const test = subject.kind === "bool" ? subject.code : `${subject.code} | truthy`;
  em.tags.push(`{% assign ${truth} = ${test} %}`, `{% if ${truth} %}`);
  if (node.type === "with") frame.dot = subject;
  return "{% endif %}";
}

function openRange(em: Emitter, scope: Scope, node: ControlNode): string {
  const { decl, isAssign } = node.pipe;
  let value = evalPipe(em, scope, node.pipe, false);
  const elementKind = ELEMENT_KIND[value.kind];
  const collection = temp(em, "r");
  const element = temp(em, "e");
  const dot: Value = elementKind
    ? { code: element, kind: elementKind, atom: true }
    : { code: `${element}.value`, kind: "unknown", atom: true };
  const index = elementKind ? "forloop.index0" : `${element}.key`;
  const sources = decl.length === 2 ? [index, dot.code] : [dot.code];
  const kinds: Kind[] =
    decl.length === 2 ? [elementKind ? "int" : "unknown", dot.kind] : [dot.kind];
  // Go first sets the variables to the whole value, which is what the else branch sees.
  const hasElse = node.elseList !== undefined || node.elseChain !== undefined;
  const bindings = decl.map(
    (name, i) =>
      (isAssign && lookup(scope, name)) ||
      declare(em, scope, name, hasElse ? "unknown" : kinds[i]!),
  );
  if (hasElse && bindings.length > 0) {
    value = atomize(em, value);
    for (const binding of bindings) em.tags.push(`{% assign ${binding.liquid} = ${value.code} %}`);
  }
  const iterated = elementKind ? value.code : `${value.code} | go_range`;
  em.tags.push(`{% assign ${collection} = ${iterated} %}`, `{% for ${element} in ${collection} %}`);
  bindings.forEach((binding, i) => {
    em.tags.push(`{% assign ${binding.liquid} = ${sources[i]} %}`);
  });
  scope.frames.at(-1)!.dot = dot;
  return "{% endfor %}";
}

/** if/with/range with else branches; an else-if chain nests and the one `end` closes all. */
function emitControl(em: Emitter, scope: Scope, node: ControlNode): void {
  const depth = scope.frames.length;
  const closings: string[] = [];
  action(em, node.open, () => closings.push(openControl(em, scope, node)));
  let current = node;
  for (;;) {
    emitList(em, scope, current.list);
    const frame = scope.frames.at(-1)!;
    const chain = current.elseChain;
    if (chain) {
      action(em, current.elseDelim!, () => {
        em.tags.push("{% else %}");
        frame.dot = undefined;
        closings.push(openControl(em, scope, chain));
      });
      current = chain;
      continue;
    }
    if (current.elseList) {
      action(em, current.elseDelim!, () => em.tags.push("{% else %}"));
      frame.dot = undefined;
      emitList(em, scope, current.elseList);
    }
    break;
  }
  action(em, node.end, () => em.tags.push(...closings.reverse()));
  popFrames(scope, depth);
}

/** `{{template "name" arg}}`: the define expanded in place with the argument as dot; a block's
 * body is converted where it stands. */
function emitTemplate(em: Emitter, scope: Scope, node: TemplateNode): void {
  const body = node.block?.list ?? em.defines.get(node.name)?.list;
  let argument: Value = NIL;
  let runnable = false;
  action(em, node.delim, () => {
    if (!body) return problem(em, node.delim.line, `template "${node.name}" is not defined`);
    if (em.expanding.includes(node.name)) {
      return problem(
        em,
        node.delim.line,
        `template "${node.name}" calls itself: recursion is not supported`,
      );
    }
    argument = node.pipe ? atomize(em, evalPipe(em, scope, node.pipe)) : NIL;
    runnable = true;
    if (node.block) return;
    em.expanding.push(node.name);
    em.inline++;
    emitList(em, createScope(argument), body);
    em.inline--;
    em.expanding.pop();
  });
  const block = node.block;
  if (!block) return;
  if (!runnable) {
    const { endLine, trimRight } = block.end;
    action(em, { line: node.delim.endLine, endLine, trimLeft: false, trimRight }, () => {});
    return;
  }
  em.expanding.push(node.name);
  emitList(em, createScope(argument), block.list);
  em.expanding.pop();
  action(em, block.end, () => {});
}
