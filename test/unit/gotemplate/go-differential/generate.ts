// Random Go templates for the differential test: text, trims, comments, variables, if/else-if,
// with/else-with, range with break/continue/else, defines and template calls, confd functions.

export type DiffCase = { go: string; keys: Record<string, string> };

const KEYS: Record<string, string> = {
  "/a": "x",
  "/b": "",
  "/s/1": "zz",
  "/s/2": "aa",
  "/s/10": "mm",
  "/j": '{"a":1,"b":"s","c":[1,2],"d":{"e":1000000}}',
};

const DEFINES = [
  '{{define "t"}} \n {{- if .}}[{{.}}]{{else}}none{{end -}} \n{{end}}{{define "u"}}{{range getvs "/s/*"}}{{template "t" .}}{{end}}{{end}}',
  '{{define "t"}}{{.}}{{end}}{{define "u"}}u{{end}}',
];

const LISTS = [
  'getvs "/s/*"',
  'split "a,,b" ","',
  'gets "/s/*"',
  "seq 1 3",
  '(json (getv "/j")).c',
  'json (getv "/j")',
  'getvs "/none/*"',
];

/** A generator of random cases from `seed` (mulberry32, so a failing seed reproduces). */
export function createCaseGenerator(seed: number): () => DiffCase {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const chance = (p: number) => random() < p;
  let counter = 0;

  const expr = (vars: string[], depth: number): string => {
    const atoms = ['"a"', '""', "0", "1", "2", "true", "false", ".", "$", ...vars];
    atoms.push('(getv "/a")', '(getv "/b")', '(getv "/no" "d")', '(exists "/a")', '(exists "/s")');
    if (depth <= 0) return pick(atoms);
    const e = () => expr(vars, depth - 1);
    return pick([
      () => pick(atoms),
      () => `(len ${pick(['(getvs "/s/*")', '(split "a,,b" ",")', '"abc"'])})`,
      () => `(eq ${e()} ${e()})`,
      () => `(eq ${pick(['"a"', '"x"', '(getv "/a")'])} "x" "a")`,
      () => `(and ${e()} ${e()})`,
      () => `(or ${e()} ${e()} ${e()})`,
      () => `(not ${e()})`,
      () =>
        `(printf "%v-%s|%d" ${e()} ${pick(['"s"', '(getv "/a")'])} ${pick(["1", '(len "ab")'])})`,
      () => `(print ${e()} ${e()})`,
      () => `(${e()} | printf "%v")`,
      () => `(index (split "a,b" ",") ${pick(["0", "1"])})`,
      () => `(json (getv "/j")).${pick(["a", "b", "c", "zz"])}`,
      () => `(${pick(LISTS.slice(0, 3))})`,
      () => `(and ${e()} (getv "/no"))`,
      () => `(or ${e()} (getv "/no"))`,
      () => (chance(0.2) ? '(getv "/missing")' : '"m"'),
    ])();
  };

  const left = () => (chance(0.3) ? "{{- " : "{{");
  const right = () => (chance(0.3) ? " -}}" : "}}");
  const action = (inside: string) => `${left()}${inside}${right()}`;

  const list = (vars: string[], depth: number, inRange: boolean): string => {
    let out = "";
    const count = Math.floor(random() * 4);
    for (let i = 0; i < count; i++) out += statement(vars, depth, inRange);
    return out;
  };

  const statement = (vars: string[], depth: number, inRange: boolean): string => {
    const e = () => expr(vars, 2);
    const body = (scope = vars, range = inRange) => list([...scope], depth - 1, range);
    const choices: (() => string)[] = [
      () => pick(["a", " ", "\n", "  \n ", "{", "}", "%", "{%", " x "]),
      () => action(e()),
      () => action("/* c */"),
    ];
    if (depth > 0) {
      choices.push(
        () => {
          const value = e();
          const name = `$v${counter++}`;
          vars.push(name);
          return action(`${name} := ${value}`);
        },
        () => (vars.length ? action(`${pick(vars)} = ${e()}`) : ""),
        () => {
          const elseIf = chance(0.5) ? `${action(`else if ${e()}`)}${body()}` : "";
          const otherwise = chance(0.5) ? `${action("else")}${body()}` : "";
          return `${action(`if ${e()}`)}${body()}${elseIf}${otherwise}${action("end")}`;
        },
        () => {
          const value = e();
          const name = `$w${counter++}`;
          const otherwise = chance(0.5) ? `${action(`else with ${e()}`)}${body()}` : "";
          return `${action(`with ${name} := ${value}`)}${body([...vars, name])}${otherwise}${action("end")}`;
        },
        () => {
          const index = `$i${counter++}`;
          const element = `$e${counter++}`;
          const two = chance(0.5);
          const declared = two ? [...vars, index, element] : [...vars, element];
          const head = `range ${two ? `${index}, ${element}` : element} := ${pick(LISTS)}`;
          const otherwise = chance(0.3) ? `${action("else")}${body()}` : "";
          return `${action(head)}${body(declared, true)}${otherwise}${action("end")}`;
        },
        () => action(`template "t" ${e()}`),
        () => action('template "u"'),
      );
      if (inRange) {
        choices.push(
          () => `${action(`if ${e()}`)}${action(pick(["break", "continue"]))}${action("end")}`,
        );
      }
    }
    return pick(choices)();
  };

  return () => {
    counter = 0;
    return { go: list([], 3, false) + pick(DEFINES), keys: KEYS };
  };
}
