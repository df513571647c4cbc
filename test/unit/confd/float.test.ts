import { describe, expect, test } from "bun:test";
import { type FloatFormat, formatFloat } from "../../../src/confd/float.ts";

describe("formatFloat", () => {
  // Expected values are what Go's strconv.FormatFloat(x, fmt, prec, 64) prints.
  const table: [x: number, format: FloatFormat, precision: number, expected: string][] = [
    [1000000, "g", -1, "1e+06"],
    [123456, "g", -1, "123456"],
    [123456789, "g", -1, "1.23456789e+08"],
    [0.000001, "g", -1, "1e-06"],
    [0.0001, "g", -1, "0.0001"],
    [0.00001, "g", -1, "1e-05"],
    [1.5, "g", -1, "1.5"],
    [100, "g", -1, "100"],
    [3, "g", -1, "3"],
    [0, "g", -1, "0"],
    [-0, "g", -1, "-0"],
    [1e21, "g", -1, "1e+21"],
    [1.2345e100, "g", -1, "1.2345e+100"],
    [5e-324, "g", -1, "5e-324"],
    [0.1 + 0.2, "g", -1, "0.30000000000000004"],
    [-2.5, "g", -1, "-2.5"],
    [1234, "g", 3, "1.23e+03"],
    [1, "g", 3, "1"],
    [100, "g", 3, "100"],
    [1000, "g", 3, "1e+03"],
    [0.00001234, "g", 3, "1.23e-05"],
    [123456789, "g", 10, "123456789"],
    [1e6, "G", -1, "1E+06"],
    [3.14158, "f", 6, "3.141580"],
    [2.675, "f", 2, "2.67"],
    [0.5, "f", 0, "0"],
    [1.5, "f", 0, "2"],
    [2.5, "f", 0, "2"],
    [0.006, "f", 2, "0.01"],
    [0.0001, "f", 2, "0.00"],
    [999.9996, "f", 3, "1000.000"],
    [1e6, "f", -1, "1000000"],
    [0.000001, "f", -1, "0.000001"],
    [123456.789, "e", 6, "1.234568e+05"],
    [0, "e", 6, "0.000000e+00"],
    [1e6, "e", -1, "1e+06"],
    [1.5e-300, "e", 2, "1.50e-300"],
    [9.99, "e", 1, "1.0e+01"],
    [Number.NaN, "g", -1, "NaN"],
    [Number.POSITIVE_INFINITY, "g", -1, "+Inf"],
    [Number.NEGATIVE_INFINITY, "f", 2, "-Inf"],
  ];
  for (const [x, format, precision, expected] of table) {
    test(`${x} '${format}' ${precision} is ${expected}`, () => {
      expect(formatFloat(x, format, precision)).toBe(expected);
    });
  }
});
