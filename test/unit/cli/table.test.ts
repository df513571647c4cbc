// The table formatter and the colour rules: aligned columns whatever the colour codes, escaped
// control characters, and colour only on a terminal, without NO_COLOR and without --json.

import { describe, expect, test } from "bun:test";
import { wantsColor } from "../../../src/cli/command-kit.ts";
import {
  createStyle,
  formatTable,
  PLAIN,
  printable,
  visibleWidth,
} from "../../../src/cli/table.ts";

const args = (json: boolean) => ({
  flags: new Map<string, string | true>(json ? [["json", true]] : []),
  lists: new Map(),
  positionals: [],
});
const io = (tty: boolean, env: Record<string, string> = {}) => ({
  out: () => {},
  err: () => {},
  tty,
  env,
});

describe("formatTable", () => {
  test("pads each column to its widest cell, two spaces apart, numbers to the right", () => {
    const text = formatTable(
      ["NAME", "WEIGHT", "STATE"],
      [
        ["a", "1", "ready"],
        ["longer-name", "256", "drain"],
      ],
      { right: [1] },
    );
    expect(text).toBe(
      [
        "NAME         WEIGHT  STATE",
        "a                 1  ready",
        "longer-name     256  drain",
        "",
      ].join("\n"),
    );
  });

  test("colour codes take no width: coloured and plain tables line up the same", () => {
    const colours = createStyle(true);
    const coloured = formatTable(["A", "B"], [[colours.red("down"), "x"]], { style: colours });
    const plain = formatTable(["A", "B"], [["down", "x"]]);
    expect(
      coloured.replaceAll("\x1b[31m", "").replaceAll("\x1b[1m", "").replaceAll("\x1b[0m", ""),
    ).toBe(plain);
    expect(coloured).toContain("\x1b[31mdown\x1b[0m");
    expect(coloured).toStartWith("\x1b[1mA     B\x1b[0m\n");
  });

  test("the last column is not padded and empty cells keep the columns", () => {
    expect(
      formatTable(
        ["A", "LONG"],
        [
          ["", "1"],
          ["xyz", ""],
        ],
      ),
    ).toBe("A    LONG\n     1\nxyz\n");
  });

  test("printable escapes control characters, C1 included, and keeps the rest", () => {
    expect(printable("a\nb\x1b[2Jc\u0085é")).toBe("a\\nb\\u001b[2Jc\\u0085é");
    expect(visibleWidth(PLAIN.red("abc"))).toBe(3);
    expect(visibleWidth(createStyle(true).red("abc"))).toBe(3);
  });
});

describe("colour", () => {
  test("on a terminal, without NO_COLOR and without --json", () => {
    expect(wantsColor(io(true), args(false))).toBe(true);
  });

  test("never when stdout is not a terminal", () => {
    expect(wantsColor(io(false), args(false))).toBe(false);
    expect(wantsColor({ out: () => {}, err: () => {} }, args(false))).toBe(false);
  });

  test("never with NO_COLOR set to anything but empty (no-color.org)", () => {
    expect(wantsColor(io(true, { NO_COLOR: "1" }), args(false))).toBe(false);
    expect(wantsColor(io(true, { NO_COLOR: "" }), args(false))).toBe(true);
  });

  test("never with --json", () => {
    expect(wantsColor(io(true), args(true))).toBe(false);
  });
});
