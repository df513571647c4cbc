// Go templates converted and rendered: each expected output is what confd (Go text/template with
// confd's functions, nil data) prints for the same template and keys.

import { describe, expect, test } from "bun:test";
import { CASES } from "./render-cases.ts";
import { keys, renderGo } from "./render-go.ts";

describe("converted Go templates render as confd renders them", () => {
  for (const c of CASES) {
    test(c.name, () => {
      expect(renderGo(c.go, keys(c.keys ?? {}))).toBe(c.want);
    });
  }
});

describe("errors and environment", () => {
  test("getv of a missing key fails with the Go line", () => {
    expect(() => renderGo('a\nb\n{{getv "/missing"}}')).toThrow(
      /test\.tmpl:3: .*key does not exist: \/missing/,
    );
  });
  test("div by zero fails", () => {
    expect(() => renderGo("{{div 1 0}}")).toThrow(/test\.tmpl:1/);
  });
  test("getenv: set but empty takes the default", () => {
    process.env.SLUICE_GOTEMPLATE_EMPTY = "";
    process.env.SLUICE_GOTEMPLATE_SET = "set";
    expect(
      renderGo('{{getenv "SLUICE_GOTEMPLATE_EMPTY" "d"}} {{getenv "SLUICE_GOTEMPLATE_SET" "d"}}'),
    ).toBe("d set");
  });
  test("datetime formats with Go's reference layout", () => {
    expect(renderGo('{{(datetime).Format "2006"}}')).toMatch(/^20\d\d$/);
  });
  test("keyPrefix is prepended to constant keys", () => {
    expect(
      renderGo('{{getv "/a"}} {{range ls "/"}}{{.}}{{end}}', keys({ "/p/a": "v" }), "/p"),
    ).toBe("v a");
  });
});
