// Differential test against Go itself: random templates run through Go's text/template (with
// confd-like functions, go-differential/main.go) and through convert + render must print the
// same, or both fail. Opt-in, as it needs a Go toolchain:
//   SLUICE_GO_DIFF=1 [SLUICE_GO_DIFF_SEED=n] [SLUICE_GO_DIFF_CASES=n] bun test test/unit/gotemplate/go-differential.test.ts

import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { convertGoTemplate } from "../../../src/gotemplate/convert.ts";
import { createRenderer } from "../../../src/render/render.ts";
import { createCaseGenerator, type DiffCase } from "./go-differential/generate.ts";

const enabled = process.env.SLUICE_GO_DIFF === "1" && Bun.which("go") !== null;

function runGo(cases: DiffCase[]): string[] {
  const dir = join(import.meta.dir, "go-differential");
  const binary = join(mkdtempSync(join(tmpdir(), "sluice-godiff-")), "godiff");
  const env = { ...process.env, GOFLAGS: "-mod=mod", GOPROXY: "off" };
  const build = Bun.spawnSync(["go", "build", "-o", binary, "."], { cwd: dir, env });
  if (build.exitCode !== 0) throw new Error(`go build failed: ${build.stderr.toString()}`);
  const run = Bun.spawnSync([binary], { stdin: Buffer.from(JSON.stringify(cases)) });
  return JSON.parse(run.stdout.toString());
}

test.skipIf(!enabled)(
  "converted templates print what Go prints",
  () => {
    const seed = Number(process.env.SLUICE_GO_DIFF_SEED ?? 13);
    const generate = createCaseGenerator(seed);
    const cases = Array.from({ length: Number(process.env.SLUICE_GO_DIFF_CASES ?? 500) }, generate);
    const outputs = runGo(cases);
    const renderer = createRenderer();
    const mismatches: string[] = [];
    let compared = 0;
    cases.forEach((c, i) => {
      const want = outputs[i]!;
      const { liquid, problems } = convertGoTemplate(c.go, { file: "root.tmpl" });
      if (want === "PARSEERR" || problems.length > 0) return;
      const entries = Object.entries(c.keys).map(([key, value]) => ({ key, value }));
      let got: string;
      try {
        got = renderer.renderKeys(liquid, "root.tmpl", entries);
      } catch {
        got = "EXECERR";
      }
      compared++;
      if (got !== want)
        mismatches.push(
          `${JSON.stringify(c.go)}\n want ${JSON.stringify(want)}\n got  ${JSON.stringify(got)}`,
        );
    });
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(compared).toBeGreaterThan(cases.length / 2);
  },
  120_000,
);
