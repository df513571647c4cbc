// The daemon-wide output guard of the integration tests catches what it is meant to catch.

import { expect, test } from "bun:test";
import { assertCleanOutput } from "../helpers/sluice.ts";

test("log lines in sluice's formats pass", () => {
  expect(() =>
    assertCleanOutput('level=info msg="sluice started" version=0.1.0\nlevel=warn msg="x"\n', ""),
  ).not.toThrow();
  const json = '{"time":"2026-12-01T10:00:00.000Z","level":"info","msg":"sluice started"}\n';
  expect(() => assertCleanOutput(json, json)).not.toThrow();
});

test.each([
  ['level=error msg="uncaught exception" error=boom\n', ""],
  ['level=error msg="unhandled rejection" error=boom\n', ""],
  ["1 | var x=function(){...}\nerror: ENOSPC: no space left on device\n", ""],
  ["(node:1) TimeoutOverflowWarning: 2592000000 does not fit into a 32-bit signed integer\n", ""],
  ['{"time":"2026-12-01T10:00:00.000Z","level":"error","msg":"uncaught exception"}\n', ""],
  ['{"level":"info","msg":"no time"}\n', ""],
  ["", "hello\n"],
])("%p / stderr %p is caught", (log, stdout) => {
  expect(() => assertCleanOutput(log, stdout)).toThrow("outside its log format");
});
