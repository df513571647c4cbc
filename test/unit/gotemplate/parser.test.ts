// The Go template lexer and parser: the tree of the constructs, and syntax errors with their lines.

import { describe, expect, test } from "bun:test";
import type { ControlNode } from "../../../src/gotemplate/ast.ts";
import { convertGoTemplate } from "../../../src/gotemplate/convert.ts";
import { FUNCTION_NAMES } from "../../../src/gotemplate/functions.ts";
import { lex } from "../../../src/gotemplate/lexer.ts";
import { parseGoTemplate } from "../../../src/gotemplate/parser.ts";

const parse = (source: string) => parseGoTemplate(source, FUNCTION_NAMES);

describe("lexer", () => {
  test("trim markers need the space, and trim the neighbouring text", () => {
    const tokens = lex("a \n{{- 3 -}}\n b{{-3}}");
    const texts = tokens.filter((t) => t.type === "text").map((t) => [t.raw, t.value]);
    expect(texts).toEqual([
      ["a \n", "a"],
      ["\n b", "b"],
    ]);
    expect(tokens.filter((t) => t.type === "number").map((t) => t.value)).toEqual(["3", "-3"]);
  });
  test("strings, raw strings, chars, fields and variables", () => {
    const tokens = lex("{{ \"a\\tb\" `c\\n` 'x' .A.b $v.c $ }}").filter((t) => t.type !== "space");
    expect(tokens.map((t) => `${t.type}:${t.value}`)).toEqual([
      "leftDelim:{{",
      "string:a\tb",
      "string:c\\n",
      "char:120",
      "field:.A",
      "field:.b",
      "variable:$v",
      "field:.c",
      "variable:$",
      "rightDelim:}}",
      "eof:",
    ]);
  });
  test("tokens carry their lines", () => {
    const tokens = lex("a\n{{ 1\n}}\nb");
    expect(tokens.map((t) => [t.type, t.line, t.endLine])).toContainEqual(["rightDelim", 3, 3]);
    expect(tokens.at(-2)).toMatchObject({ type: "text", line: 3, endLine: 4 });
  });
});

describe("parser", () => {
  test("an else-if chain is one control with a chained if", () => {
    const { root } = parse("{{if 1}}a{{else if 2}}b{{else}}c{{end}}");
    const node = root[0] as ControlNode;
    expect(node.type).toBe("if");
    expect(node.elseChain?.type).toBe("if");
    expect(node.elseChain?.chained).toBe(true);
    expect(node.elseChain?.elseList?.[0]).toMatchObject({ type: "text", raw: "c" });
  });
  test("range declares two variables; fields chain on parentheses", () => {
    const { root } = parse("{{range $i, $v := .}}{{($v).a.b}}{{end}}");
    const node = root[0] as ControlNode;
    expect(node.pipe.decl).toEqual(["$i", "$v"]);
    const action = node.list[0]!;
    expect(action.type === "action" && action.pipe.commands[0]!.operands[0]!.fields).toEqual([
      "a",
      "b",
    ]);
  });
  test("with a function set, an unknown function is a syntax error", () => {
    expect(() => parseGoTemplate("{{ frobnicate 1 }}", FUNCTION_NAMES)).toThrow(
      /"frobnicate" not defined/,
    );
  });
  test("defines are collected and leave a quiet node", () => {
    const { root, defines } = parse('x{{define "t"}}T\n{{end}}y');
    expect([...defines.keys()]).toEqual(["t"]);
    expect(root.map((n) => n.type)).toEqual(["text", "quiet", "text"]);
  });
});

const ERRORS: [string, string, number, RegExp][] = [
  ["unclosed action", 'a\n{{ getv "/a"', 2, /unclosed action/],
  ["unexpected end", "a\n\n{{end}}", 3, /unexpected \{\{end\}\}/],
  ["missing end", "{{if 1}}\nx", 2, /unexpected EOF/],
  ["undefined variable", "{{$a := 1}}\n{{$b}}", 2, /undefined variable "\$b"/],
  [
    "a variable used after its scope ends",
    "{{if 1}}{{$a := 1}}{{end}}\n{{$a}}",
    2,
    /undefined variable/,
  ],
  ["break outside range", "{{break}}", 1, /outside \{\{range\}\}/],
  ["unterminated string", '{{ "abc }}', 1, /unterminated quoted string/],
  ["comment without its delimiter", "{{/* c */ }}", 1, /comment ends before closing delimiter/],
  ["define inside a control", '{{if 1}}{{define "x"}}{{end}}{{end}}', 1, /unexpected <define>/],
  ["empty action", "{{ }}", 1, /missing value for command/],
  ["two definitions", '{{define "a"}}1{{end}}{{define "a"}}2{{end}}', 1, /multiple definition/],
  ["a constant in a later pipeline stage", '{{ "a" | "b" }}', 1, /non executable command/],
  ["assignment to an undeclared variable", "{{ $x = 1 }}", 1, /undefined variable/],
];

describe("syntax errors are one problem at their line, and no Liquid", () => {
  for (const [name, go, line, message] of ERRORS) {
    test(name, () => {
      const result = convertGoTemplate(go, { file: "bad.tmpl" });
      expect(result.liquid).toBe("");
      expect(result.problems).toHaveLength(1);
      expect(result.problems[0]).toMatchObject({ file: "bad.tmpl", line });
      expect(result.problems[0]!.message).toMatch(message);
    });
  }
});
