// The table of Go templates, keys and the output confd (Go text/template with confd's functions,
// nil data) prints for them; render.test.ts renders them, convert.test.ts checks they convert.

export type Case = { name: string; go: string; keys?: Record<string, string>; want: string };

const SERVICES = { "/s/a": "zeta", "/s/b": "alpha", "/s/c": "mid" };
const APPS = { "/apps/app2": "two", "/apps/app10": "ten", "/apps/app1": "one" };
const TREE = { "/d/a/x": "1", "/d/b": "2", "/d/c/y/z": "3" };

export const CASES: Case[] = [
  { name: "getv prints a value", go: '{{getv "/a"}}', keys: { "/a": "web" }, want: "web" },
  { name: "getv takes the default for a missing key", go: '{{getv "/no" "dflt"}}', want: "dflt" },
  {
    name: "getvs sorts by value",
    go: '{{range getvs "/s/*"}}{{.}},{{end}}',
    keys: SERVICES,
    want: "alpha,mid,zeta,",
  },
  {
    name: "gets sorts by key, app10 before app2",
    go: '{{range gets "/apps/*"}}{{.Key}}={{.Value}};{{end}}',
    keys: APPS,
    want: "/apps/app1=one;/apps/app10=ten;/apps/app2=two;",
  },
  { name: "ls lists children", go: '{{range ls "/d"}}{{.}} {{end}}', keys: TREE, want: "a b c " },
  {
    name: "lsdir lists directories only",
    go: '{{range lsdir "/d"}}{{.}} {{end}}',
    keys: TREE,
    want: "a c ",
  },
  {
    name: "exists is true only for a leaf key",
    go: '{{exists "/d/a"}} {{exists "/d/b"}} {{exists "/nope"}}',
    keys: TREE,
    want: "false true false",
  },
  {
    name: "JSON numbers print as Go float64",
    go: '{{$o := json (getv "/j")}}{{$o.n}} {{$o.f}} {{$o.s}}',
    keys: { "/j": '{"n":1000000,"f":0.5,"s":"x"}' },
    want: "1e+06 0.5 x",
  },
  {
    name: "fields of fields, and a missing one",
    go: '{{$o := json (getv "/j")}}{{$o.a.b}} {{$o.zz}}',
    keys: { "/j": '{"a":{"b":"deep"}}' },
    want: "deep <no value>",
  },
  {
    name: "range with index and value",
    go: '{{range $i, $v := split "a,b" ","}}{{$i}}:{{$v}} {{end}}',
    want: "0:a 1:b ",
  },
  {
    name: "range over a JSON map in key order",
    go: '{{range $k, $v := json "{\\"b\\":2,\\"a\\":1}"}}{{$k}}={{$v}};{{end}}',
    want: "a=1;b=2;",
  },
  {
    name: "range else on an empty list",
    go: '{{range getvs "/none/*"}}x{{else}}none{{end}}',
    want: "none",
  },
  {
    name: "else-if chain takes the second branch",
    go: '{{if eq (getv "/m") "a"}}A{{else if eq (getv "/m") "b"}}B{{else}}C{{end}}',
    keys: { "/m": "b" },
    want: "B",
  },
  {
    name: "else-if chain falls to else",
    go: '{{if eq (getv "/m") "a"}}A{{else if eq (getv "/m") "b"}}B{{else}}C{{end}}',
    keys: { "/m": "z" },
    want: "C",
  },
  {
    name: "else-if conditions after the taken branch are not evaluated",
    go: '{{if true}}T{{else if getv "/missing"}}X{{end}}',
    want: "T",
  },
  {
    name: "with binds dot",
    go: '{{with getv "/e" ""}}[{{.}}]{{else}}empty{{end}}',
    keys: { "/e": "v" },
    want: "[v]",
  },
  {
    name: "with else on an empty string",
    go: '{{with getv "/e" ""}}[{{.}}]{{else}}empty{{end}}',
    want: "empty",
  },
  {
    name: "else with",
    go: '{{with getv "/a" ""}}A{{else with getv "/b" ""}}B{{.}}{{end}}',
    keys: { "/b": "x" },
    want: "Bx",
  },
  {
    name: "define and template with dot",
    go: '{{define "srv"}}server {{.}}\n{{end}}{{range getvs "/s/*"}}{{template "srv" .}}{{end}}',
    keys: SERVICES,
    want: "server alpha\nserver mid\nserver zeta\n",
  },
  {
    name: "template without argument has nil dot",
    go: '{{define "t"}}[{{.}}]{{end}}{{template "t"}}',
    want: "[<no value>]",
  },
  { name: "block runs in place", go: '{{block "b" "x"}}[{{.}}|{{$}}]{{end}}', want: "[x|x]" },
  { name: "trim markers remove newlines too", go: "a \n {{- 1 -}} \n b", want: "a1b" },
  { name: "no trim marker keeps the spaces", go: 'a {{ "x" }} b\n', want: "a x b\n" },
  { name: "comments print nothing", go: "a{{/* c */}}b {{- /* two\nlines */ -}} c", want: "abc" },
  {
    name: "a variable reassigned inside range keeps the last value",
    go: "{{$n := 0}}{{range seq 1 3}}{{$n = .}}{{end}}{{$n}}",
    want: "3",
  },
  {
    name: "a variable declared inside range shadows the outer one",
    go: '{{$x := "outer"}}{{range split "a,b" ","}}{{$x := .}}{{$x}}{{end}}{{$x}}',
    want: "abouter",
  },
  { name: "break", go: "{{range seq 1 5}}{{if eq . 3}}{{break}}{{end}}{{.}}{{end}}", want: "12" },
  {
    name: "continue",
    go: "{{range seq 1 5}}{{if eq . 3}}{{continue}}{{end}}{{.}}{{end}}",
    want: "1245",
  },
  {
    name: "parenthesised pipelines",
    go: '{{(getv "/a") | toUpper}} {{len (split "a,b,c" ",")}} {{(get "/a").Value}}',
    keys: { "/a": "v" },
    want: "V 3 v",
  },
  {
    name: "printf verbs, width and flags",
    go: '{{printf "%s:%d" "a" 5}} {{printf "%x|%q|%5s|%-3d|" 255 "q" "ab" 7}}',
    want: 'a:5 ff|"q"|   ab|7  |',
  },
  { name: "a piped value is the last argument", go: '{{"x" | printf "%s-%s" "y"}}', want: "y-x" },
  {
    name: "eq with several arguments",
    go: '{{if eq (getv "/c") "x" "y" "z"}}in{{else}}out{{end}}',
    keys: { "/c": "y" },
    want: "in",
  },
  {
    name: "and/or return the deciding value",
    go: '{{and 1 0 2}} {{or 0 "" "z"}} {{and 1 2}} [{{or 0 ""}}]',
    want: "0 z 2 []",
  },
  {
    name: "and does not evaluate after false",
    go: '{{and (exists "/no") (getv "/no")}}',
    want: "false",
  },
  {
    name: "or does not evaluate after true",
    go: '{{or (getv "/a") (getv "/no")}}',
    keys: { "/a": "1" },
    want: "1",
  },
  { name: "not", go: '{{not ""}} {{not "a"}}', want: "true false" },
  { name: "top-level dot is nil", go: "{{.}} {{$}}", want: "<no value> <no value>" },
  { name: "a list prints in Go's form", go: '{{split "a,b" ","}}', want: "[a b]" },
  {
    name: "a map prints with sorted keys",
    go: '{{json "{\\"b\\":1,\\"a\\":\\"x\\"}"}}',
    want: "map[a:x b:1]",
  },
  {
    name: "Go truth: empty string, zero and empty list are false",
    go: '{{if ""}}y{{else}}n{{end}}{{if 0}}y{{else}}n{{end}}{{if getvs "/none/*"}}y{{else}}n{{end}}{{if "0"}}y{{end}}',
    want: "nnny",
  },
  {
    name: "KVPairs print as Go structs",
    go: '{{get "/a"}} {{gets "/*"}} {{printf "%+v" (get "/b")}}',
    keys: { "/a": "v", "/b": "w" },
    want: "{/a v} [{/a v} {/b w}] {Key:/b Value:w}",
  },
  {
    name: "with on an empty list takes else",
    go: '{{with getvs "/none/*"}}x{{else}}empty{{end}}',
    want: "empty",
  },
  {
    name: "a define calls another define",
    go: '{{define "a"}}<{{template "b" .}}>{{end}}{{define "b"}}[{{.}}]{{end}}{{range getvs "/n/*"}}{{template "a" .}}{{end}}',
    keys: { "/n/1": "p", "/n/2": "q" },
    want: "<[p]><[q]>",
  },
  {
    name: "a define with trim markers and a branch, expanded in a range",
    go: '{{define "c"}}\n  {{- if eq . "p"}} P {{- else}} other {{- end}}\n{{end}}{{range getvs "/n/*"}}{{template "c" .}}{{end}}',
    keys: { "/n/1": "p", "/n/2": "q" },
    want: " P\n other\n",
  },
  {
    name: "and with three arguments stops at the false one",
    go: '{{and 1 (exists "/no") (getv "/no")}}|{{or (getv "/no" "") (getv "/b")}}',
    keys: { "/b": "w" },
    want: "false|w",
  },
  {
    name: "range over map in key order",
    go: '{{range $k, $v := map "b" 1 "a" 2}}{{$k}}{{$v}}{{end}}',
    want: "a2b1",
  },
  {
    name: "nested ranges keep their own indexes",
    go: '{{range $i, $e := getvs "/n/*"}}{{range $j, $f := getvs "/n/*"}}{{$i}}{{$j}} {{end}}{{end}}',
    keys: { "/n/1": "p", "/n/2": "q" },
    want: "00 01 10 11 ",
  },
  {
    name: "an assignment inside if changes the outer variable",
    go: '{{$x := "a"}}{{if true}}{{$x = "b"}}{{$y := "c"}}{{$y}}{{end}}{{$x}}',
    want: "cb",
  },
  {
    name: "print and println space as Go's fmt",
    go: '{{print 1 2 "a" "b" 3}}|{{println "x" 1}}',
    want: "1 2ab3|x 1\n",
  },
  {
    name: "slice, html, js, urlquery",
    go: '{{slice "hello" 1 3}} {{html "<a>"}} {{js "a\'b"}} {{urlquery "a b"}}',
    want: "el &lt;a&gt; a\\'b a+b",
  },
  {
    name: "pipelines chain into the last argument",
    go: '{{"a" | printf "%s%s" "b" | printf "%s%s" "c"}}',
    want: "cba",
  },
  {
    name: "range variables hold the whole value in the else branch",
    go: '{{range $v := split "" "x"}}{{else}}{{len $v}}{{end}}{{range $v := getvs "/none/*"}}{{else}}[{{len $v}}]{{end}}',
    want: "[0]",
  },
  {
    name: "range can assign to existing variables",
    go: '{{$i := 9}}{{$v := "z"}}{{range $i, $v = split "a,b" ","}}{{end}}{{$i}}{{$v}}',
    want: "1b",
  },
  {
    name: "confd's upstream example: lsdir, printf'd pattern, gets, json",
    go: [
      '{{range $dir := lsdir "/services/web"}}',
      "upstream {{base $dir}} {",
      '    {{$custdir := printf "/services/web/%s/*" $dir}}{{range gets $custdir}}',
      "    server {{$data := json .Value}}{{$data.IP}}:80;",
      "    {{end}}",
      "}",
      "{{end}}",
    ].join("\n"),
    keys: {
      "/services/web/cust1/2": '{"IP":"10.0.0.2"}',
      "/services/web/cust1/1": '{"IP":"10.0.0.1"}',
      "/services/web/cust2/1": '{"IP":"10.0.0.3"}',
    },
    want: [
      "\nupstream cust1 {\n    ",
      "\n    server 10.0.0.1:80;\n    ",
      "\n    server 10.0.0.2:80;\n    ",
      "\n}\n",
      "\nupstream cust2 {\n    ",
      "\n    server 10.0.0.3:80;\n    ",
      "\n}\n",
    ].join(""),
  },
  {
    name: "a trim marker after a comment does not reach the text before the comment",
    go: '{{range split "a" ","}} {{/* c */}}{{- end}}}',
    want: " }",
  },
  { name: "base and dir", go: '{{base "/a/b/c"}} {{dir "/a/b/c"}}', want: "c /a/b" },
  {
    name: "join, replace, toUpper",
    go: '{{join (split "a-b-c" "-") "+"}} {{replace "aaa" "a" "b" 2}} {{toUpper "x"}}',
    want: "a+b+c bba X",
  },
  {
    name: "atoi, add and seq",
    go: '{{add (atoi "2") 3}} {{range seq 1 3}}{{.}}{{end}}',
    want: "5 123",
  },
  { name: "index", go: '{{index (split "a,b" ",") 1}}', want: "b" },
  {
    name: "CRLF input gives LF output",
    go: 'a\r\n{{getv "/a"}}\r\n',
    keys: { "/a": "v" },
    want: "a\nv\n",
  },
  {
    name: "Liquid syntax in text stays text",
    go: '{% raw %} {{"{{"}} }} {%',
    want: "{% raw %} {{ }} {%",
  },
  {
    name: "a brace before an action stays text",
    go: '{ {{- "x" -}} }{{"}"}}',
    want: "{x}}",
  },
  {
    name: "string escapes",
    go: "{{\"tab\\there\\u00e9\\x41\"}} {{`raw\\n`}} {{'a'}}",
    want: "tab\there\u00e9A raw\\n 97",
  },
  {
    name: "an action over several lines",
    go: '{{ getv\n  "/a" }}|\n{{ "x" }}',
    keys: { "/a": "v" },
    want: "v|\nx",
  },
  {
    name: "variables in a define are its own",
    go: '{{define "t"}}{{$x := .}}{{$x}}{{end}}{{$x := "a"}}{{template "t" "b"}}{{$x}}',
    want: "ba",
  },
];
