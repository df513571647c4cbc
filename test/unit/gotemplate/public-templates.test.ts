// Converts real public confd templates (test/fixtures/confd-public/*) to Liquid and renders them
// against hand-designed keys: the output must equal what confd itself produces, byte for byte, or
// the converter must name every construct it cannot convert exactly (file:line and what), or, where
// confd itself fails at a line, the converter lists that line or the render fails there too.

import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { convertGoTemplate } from "../../../src/gotemplate/convert.ts";
import { createRenderer } from "../../../src/render/render.ts";

const FIXTURES = join(import.meta.dir, "../../fixtures/confd-public");
const FILE = "template.tmpl";

type ExpectedProblem = { line: number; text: string };

function fixtureNames(): string[] {
  return readdirSync(FIXTURES)
    .filter((name) => statSync(join(FIXTURES, name)).isDirectory())
    .sort();
}

function readText(dir: string, file: string): string | undefined {
  const path = join(dir, file);
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

function readStringMap(dir: string, file: string): Record<string, string> {
  const text = readText(dir, file);
  return text === undefined ? {} : (JSON.parse(text) as Record<string, string>);
}

/** The fixture's keys.json as key store entries. */
function keyEntries(dir: string): { key: string; value: string }[] {
  return Object.entries(readStringMap(dir, "keys.json")).map(([key, value]) => ({ key, value }));
}

/** Renders converted Liquid over the fixture's keys, with its env.json variables set. */
function renderFixture(dir: string, liquid: string): string {
  return withEnv(readStringMap(dir, "env.json"), () =>
    createRenderer().renderKeys(liquid, FILE, keyEntries(dir)),
  );
}

/** Lines `template.tmpl:<line>: <substring of the message>` of expected-problems.txt. */
function parseExpectedProblems(text: string): ExpectedProblem[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const match = /^template\.tmpl:(\d+): (.+)$/.exec(line);
      if (!match) throw new Error(`bad expected-problems line: ${line}`);
      return { line: Number(match[1]), text: match[2]! };
    });
}

/** Runs `render` with the fixture's environment variables set, then restores the old ones. */
function withEnv<T>(env: Record<string, string>, render: () => T): T {
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(env)) {
    saved.set(name, process.env[name]);
    process.env[name] = value;
  }
  try {
    return render();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

test("at least 20 public confd templates are fixtures", () => {
  expect(fixtureNames().length).toBeGreaterThanOrEqual(20);
});

describe("public confd templates", () => {
  for (const name of fixtureNames()) {
    const dir = join(FIXTURES, name);
    const source = readFileSync(join(dir, FILE), "utf8");
    const expected = readText(dir, "expected.txt");
    const expectedProblems = readText(dir, "expected-problems.txt");
    const expectedError = readText(dir, "expected-error.txt")?.trim();

    if (expected !== undefined) {
      test(`${name} converts exactly and renders as confd does`, () => {
        const conversion = convertGoTemplate(source, { file: FILE });
        expect(conversion.problems).toEqual([]);
        expect(renderFixture(dir, conversion.liquid)).toBe(expected);
      });
    } else if (expectedProblems !== undefined) {
      test(`${name} reports what it cannot convert, with file and line`, () => {
        const { problems } = convertGoTemplate(source, { file: FILE });
        for (const wanted of parseExpectedProblems(expectedProblems)) {
          const found = problems.some(
            (problem) =>
              problem.file === FILE &&
              problem.line === wanted.line &&
              problem.message.includes(wanted.text),
          );
          expect({ found, wanted, problems }).toMatchObject({ found: true });
        }
      });
    } else if (expectedError !== undefined) {
      test(`${name} fails where confd fails (${expectedError}), or says it cannot convert it`, () => {
        const line = Number(expectedError.split(":")[1]);
        const conversion = convertGoTemplate(source, { file: FILE });
        if (conversion.problems.some((problem) => problem.line === line)) return;
        expect(conversion.problems).toEqual([]);
        expect(() => renderFixture(dir, conversion.liquid)).toThrow(`${expectedError}:`);
      });
    } else {
      test(`${name} has expected.txt, expected-problems.txt or expected-error.txt`, () => {
        throw new Error(`${name}: no expected.txt, expected-problems.txt or expected-error.txt`);
      });
    }
  }
});
