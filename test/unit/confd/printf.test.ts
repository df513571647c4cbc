import { describe, expect, test } from "bun:test";
import { SrvRecord } from "../../../src/confd/dns.ts";
import { sprint, sprintf, sprintln } from "../../../src/confd/printf.ts";
import { GoTime } from "../../../src/confd/time.ts";
import { GoFloat, KVPair } from "../../../src/confd/values.ts";

const TIME = new GoTime(new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), 0, "UTC");

describe("sprintf", () => {
  // Expected values are what Go's fmt.Sprintf prints for the same operands.
  const table: [format: string, args: unknown[], expected: string][] = [
    ["%s:%d", ["web", 80], "web:80"],
    ["%v", [new GoFloat(1000000)], "1e+06"],
    ["%v", [new GoFloat(123456)], "123456"],
    ["%v|%v", [new GoFloat(0.000001), new GoFloat(1.5)], "1e-06|1.5"],
    ["%.2v", [new GoFloat(3.14158)], "3.1"],
    ["%5.1f|", [new GoFloat(3.14158)], "  3.1|"],
    ["%f", [new GoFloat(3.14158)], "3.141580"],
    ["%08.3f", [new GoFloat(-3.14158)], "-003.142"],
    ["%+.1e", [new GoFloat(12345)], "+1.2e+04"],
    ["%g", [new GoFloat(0.00001234)], "1.234e-05"],
    ["%-5d|", [42], "42   |"],
    ["%5d|", [42], "   42|"],
    ["%05d", [-42], "-0042"],
    ["%+d % d", [5, 5], "+5  5"],
    ["%.3d", [7], "007"],
    ["%x %X %#x %o %#o %b", [255, 255, 255, 8, 8, 5], "ff FF 0xff 10 010 101"],
    ["%x", [-255], "-ff"],
    ["%x %X", ["hello", "hi"], "68656c6c6f 6869"],
    ["%c%c", [72, 105], "Hi"],
    ["%q %U", [65, 65], "'A' U+0041"],
    ["%q", ['a"b\n\t\\'], '"a\\"b\\n\\t\\\\"'],
    ["%q", ["é\u0001"], '"é\\x01"'],
    ["%#q", ['a"b'], '`a"b`'],
    ["%t %v", [true, false], "true false"],
    ["%6.2s|%-4s|", ["hello", "ab"], "    he|ab  |"],
    ["%05s", ["ab"], "000ab"],
    ["%d", ["x"], "%!d(string=x)"],
    ["%s", [5], "%!s(int=5)"],
    ["%d", [new GoFloat(80)], "%!d(float64=80)"],
    ["%f", [3], "%!f(int=3)"],
    ["%d", [null], "%!d(<nil>)"],
    ["%v", [null], "<nil>"],
    ["%d %d", [1], "1 %!d(MISSING)"],
    ["%d", [1, "a", 2], "1%!(EXTRA string=a, int=2)"],
    ["100%%", [], "100%"],
    ["%", [], "%!(NOVERB)"],
    ["%z", [1], "%!z(int=1)"],
    ["%*d|%-*d|", [4, 7, 3, 1], "   7|1  |"],
    ["%.*f", [2, new GoFloat(1.005)], "1.00"],
    ["%[2]s %[1]s", ["a", "b"], "b a"],
    ["%[3]s", ["a"], "%!s(BADINDEX)"],
    ["%v", [["a", 1, new GoFloat(2.5)]], "[a 1 2.5]"],
    ["%d", [[1, 2]], "[1 2]"],
    ["%v", [{ b: 2, a: "x" }], "map[a:x b:2]"],
    ["%v", [new KVPair("/a", "1")], "{/a 1}"],
    ["%+v", [new KVPair("/a", "1")], "{Key:/a Value:1}"],
    ["%T %T %T", [1, "s", new GoFloat(1)], "int string float64"],
    ["%10000000d", [1], "%!(BADWIDTH)1"],
    ["%T %T", [new SrvRecord("a.", 1, 1, 1), TIME], "*net.SRV time.Time"],
    ["%s", [TIME], "2026-01-02 03:04:05 +0000 UTC"],
  ];
  for (const [format, args, expected] of table) {
    test(`${JSON.stringify(format)} prints ${JSON.stringify(expected)}`, () => {
      expect(sprintf(format, args)).toBe(expected);
    });
  }
});

describe("sprint and sprintln", () => {
  test("sprint puts a space only between two operands that are not strings", () => {
    expect(sprint(["a", 1, 2, "b", "c", new GoFloat(1e6)])).toBe("a1 2bc1e+06");
    expect(sprint([null, true])).toBe("<nil> true");
  });

  test("sprintln separates every operand and ends the line", () => {
    expect(sprintln(["a", "b", 1])).toBe("a b 1\n");
    expect(sprintln([])).toBe("\n");
  });
});
