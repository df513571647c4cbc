// The Liquid each Go construct becomes, the problems reported for what cannot be converted, and
// that every template of the render table converts exactly, parses as Liquid and keeps its lines.

import { describe, expect, test } from "bun:test";
import { Liquid } from "liquidjs";
import { convertGoTemplate } from "../../../src/gotemplate/convert.ts";
import { createRenderer } from "../../../src/render/render.ts";
import { CASES } from "./render-cases.ts";

function convert(source: string, keyPrefix?: string) {
  return convertGoTemplate(source, { file: "app.tmpl", keyPrefix });
}

const EXACT: [string, string, string][] = [
  ["getv prints without go_value", '{{getv "/a"}}', '{{ "/a" | getv }}'],
  [
    "other values print through go_value",
    "{{ 1 }}{{ . }}",
    "{{ 1 | go_value }}{{ sluice_nil | go_value }}",
  ],
  [
    "range over getvs iterates directly",
    '{{range $i, $v := getvs "/x/*"}}{{$i}}={{$v}}{{end}}',
    '{% assign sluice_r1 = "/x/*" | getvs %}{% for sluice_e2 in sluice_r1 %}{% assign i = forloop.index0 %}{% assign v = sluice_e2 %}{{ i | go_value }}={{ v }}{% endfor %}',
  ],
  [
    "range over anything else goes through go_range; else is for's else",
    "{{range .}}{{.}}{{else}}none{{end}}",
    "{% assign sluice_r1 = sluice_nil | go_range %}{% for sluice_e2 in sluice_r1 %}{{ sluice_e2.value | go_value }}{% else %}none{% endfor %}",
  ],
  [
    "else if nests and one end closes the chain",
    '{{if exists "/a"}}A{{else if eq (getv "/b") "x"}}B{{else}}C{{end}}',
    '{% assign sluice_c1 = "/a" | exists %}{% if sluice_c1 %}A{% else %}{% assign sluice_c2 = "/b" | getv | eq: "x" %}{% if sluice_c2 %}B{% else %}C{% endif %}{% endif %}',
  ],
  [
    "if conditions go through truthy",
    '{{if getv "/a"}}y{{end}}',
    '{% assign sluice_c1 = "/a" | getv | truthy %}{% if sluice_c1 %}y{% endif %}',
  ],
  [
    "with binds its variable and dot",
    '{{with $x := getv "/a"}}{{.}}{{$x}}{{else}}no{{end}}',
    '{% assign x = "/a" | getv %}{% assign sluice_c1 = x | truthy %}{% if sluice_c1 %}{{ x }}{{ x }}{% else %}no{% endif %}',
  ],
  [
    "and with a call after the first argument is lazy",
    '{{and (exists "/a") (getv "/a")}}',
    '{% assign sluice_l1 = "/a" | exists %}{% assign sluice_c2 = sluice_l1 | truthy %}{% if sluice_c2 %}{% assign sluice_l1 = "/a" | getv %}{% endif %}{{ sluice_l1 | go_value }}',
  ],
  [
    "or of constants is the filter; strings need no go_value",
    '{{or "" "b"}}',
    '{{ "" | or: "b" }}',
  ],
  [
    "trim markers become Liquid's, comments keep their lines",
    "a  {{- /* c\n c */ -}}  b\n{{- 1 }}",
    "a  {%- comment %}\n{% endcomment -%}  b\n{{- 1 | go_value }}",
  ],
  ["a comment leaves an empty tag", "a{{/* c */}}b", "a{% # %}b"],
  [
    "a define is expanded on the caller's line; its site keeps its lines",
    '{{define "t"}}T{{.}}\nline{{end}}x{{template "t" "arg"}}y',
    '{% comment %}\n{% endcomment %}x{{ "T" }}{{ "arg" }}{{ "\\u000aline" }}y',
  ],
  [
    "Go variables are renamed per declaration",
    "{{$x := 1}}{{range seq 1 2}}{{$x := .}}{{$x}}{{end}}{{$x}}",
    "{% assign x = 1 %}{% assign sluice_r1 = 1 | seq: 2 %}{% for sluice_e2 in sluice_r1 %}{% assign x_2 = sluice_e2 %}{{ x_2 | go_value }}{% endfor %}{{ x | go_value }}",
  ],
  [
    "Liquid delimiters in text are hidden",
    "text {% raw %} {",
    "text {% raw %}{{% endraw %}% raw %} {% raw %}{{% endraw %}",
  ],
  [
    "a multi-line action keeps its lines inside its last tag",
    '{{ getv\n "/a" }}',
    '{{ "/a" | getv\n }}',
  ],
  [
    "method Format of datetime is timeFormat",
    '{{ (datetime).Format "2006-01-02" }}',
    '{{ nil | datetime | timeFormat: "2006-01-02" }}',
  ],
  [
    "key prefix joins constant keys",
    '{{getv "/a"}}{{ls "b"}}',
    '{{ "/p/a" | getv }}{{ "/p/b" | ls | go_value }}',
  ],
  [
    "strings escape quotes, newlines and braces",
    '{{"a\\"\\n{}"}}',
    '{{ "a\\"\\u000a\\u007b\\u007d" }}',
  ],
];

describe("exact Liquid", () => {
  for (const [name, go, liquid] of EXACT) {
    test(name, () => {
      const result = convert(go, name.startsWith("key prefix") ? "/p/" : undefined);
      expect(result.problems).toEqual([]);
      expect(result.liquid).toBe(liquid);
    });
  }
});

const PROBLEMS: [string, string, number, RegExp][] = [
  ["call", "{{call .f}}", 1, /call/],
  [
    "an unknown function, reported per call",
    '{{getv "/a"}}\n{{ frobnicate 1 }}',
    2,
    /"frobnicate" not defined/,
  ],
  ["a time method without a filter", "\n{{ datetime.Unix }}", 2, /\.Unix of a time value/],
  ["recursion", '{{define "r"}}{{template "r" .}}{{end}}{{template "r"}}', 1, /calls itself/],
  ["an undefined template", '{{template "nope"}}', 1, /"nope" is not defined/],
  ["a float constant", "{{ 1.5 }}", 1, /float64/],
  ["a computed key with a key prefix", '{{getv (printf "/%s" "a")}}', 1, /computed key/],
  ["printing a time", "{{datetime}}", 1, /monotonic/],
  ["printf of SRV records", '{{printf "%v" (lookupSRV "x" "tcp" "a.example")}}', 1, /address/],
  ["a field of a string", '{{ (getv "/a").x }}', 1, /field of a string/],
  ["a missing field of a KVPair", '{{ (get "/a").Name }}', 1, /only Key, Value/],
  ["nil as a command", "{{ nil }}", 1, /nil is not a command/],
  ["arguments to a non-function", '{{ "a" "b" }}', 1, /non-function/],
  ["a map field liquidjs answers itself", '{{ $m := json "{}" }}{{ $m.size }}', 1, /size/],
];

describe("problems", () => {
  for (const [name, go, line, message] of PROBLEMS) {
    test(name, () => {
      const result = convert(go, name.includes("prefix") ? "/p" : undefined);
      expect(result.problems.length).toBeGreaterThan(0);
      expect(result.problems[0]!.line).toBe(line);
      expect(result.problems[0]!.file).toBe("app.tmpl");
      expect(result.problems[0]!.message).toMatch(message);
    });
  }
});

describe("a wrong argument count fails where Go fails: when the call runs", () => {
  const renderer = createRenderer();
  const render = (go: string) => renderer.renderKeys(convert(go).liquid, "app.tmpl", []);
  test("a branch not taken renders", () => {
    const go =
      '{{ if true }}yes{{ else if eq "a" }}no{{ end }}\n{{ if false }}{{ base "a" "b" }}{{ end }}';
    expect(convert(go).problems).toEqual([]);
    expect(render(go)).toBe("yes\n");
  });
  test("a call that runs fails the render at its line", () => {
    expect(() => render('ok\n{{ base "a" "b" }}')).toThrow(
      /app\.tmpl:2: .*wrong number of args for base: want 1 got 2/,
    );
  });
});

describe("every render case converts exactly", () => {
  const engine = new Liquid();
  for (const c of CASES) {
    test(c.name, () => {
      const { liquid, problems } = convert(c.go);
      expect(problems).toEqual([]);
      expect(() => engine.parse(liquid)).not.toThrow();
      const goLines = c.go.replace(/\r\n/g, "\n").split("\n").length;
      expect(liquid.split("\n").length).toBe(goLines);
    });
  }
});

describe("liquidjs trims as Go does", () => {
  const engine = new Liquid();
  const render = (go: string) => engine.parseAndRenderSync(convert(go).liquid, {});
  test("a trim marker removes spaces, tabs and newlines up to the next text", () => {
    expect(render('a \t\n\n {{- "x" -}} \n\t b')).toBe("axb");
  });
  test("without markers nothing is trimmed", () => {
    expect(render('a \n {{ "x" }} \n b')).toBe("a \n x \n b");
  });
  test("a trimmed comment or define trims both sides", () => {
    expect(render('a \n{{- /* c */ -}}\n b {{- define "t" }}T{{ end -}} \n c')).toBe("abc");
  });
  test("trimming stops at a brace that had to be hidden", () => {
    expect(render('a { {{- "x" -}} } b')).toBe("a {x} b");
  });
  test("text that trims next to a form feed is a problem", () => {
    expect(convert('a\f {{- "x" }}').problems[0]?.message).toMatch(/form feed/);
  });
});
