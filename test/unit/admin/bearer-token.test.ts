import { describe, expect, test } from "bun:test";
import { bearerToken, sameToken } from "../../../src/admin/bearer-token.ts";

describe("bearerToken", () => {
  test.each([
    ["Bearer s3cret", "s3cret"],
    ["bearer s3cret", "s3cret"],
    ["BEARER   s3cret  ", "s3cret"],
    ["Bearer\ts3cret", "s3cret"],
  ])("reads the token of %j (the scheme is case-insensitive)", (header, token) => {
    expect(bearerToken(header)).toEqual({ kind: "given", token });
  });

  test.each([
    [undefined],
    [""],
    ["s3cret"],
    ["Basic czNjcmV0"],
    ["Bearer"],
    ["Bearer "],
    ["Bearers3cret"],
  ])("%j holds no bearer token", (header) => {
    expect(bearerToken(header)).toEqual({ kind: "missing" });
  });
});

describe("sameToken", () => {
  test("is true only for the same text", () => {
    expect(sameToken("s3cret", "s3cret")).toBe(true);
    expect(sameToken("s3cret2", "s3cret")).toBe(false);
    expect(sameToken("s3cre", "s3cret")).toBe(false);
    expect(sameToken("", "s3cret")).toBe(false);
    expect(sameToken("S3CRET", "s3cret")).toBe(false);
  });

  test("compares texts of any length without throwing (both sides are hashed first)", () => {
    expect(sameToken("x".repeat(100_000), "s3cret")).toBe(false);
    expect(sameToken("é", "e")).toBe(false);
  });
});
