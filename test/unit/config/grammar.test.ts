import { describe, expect, test } from "bun:test";
import { isLoopbackHost, splitHostPort } from "../../../src/config/grammar.ts";

describe("splitHostPort", () => {
  test.each([
    ["127.0.0.1:9600", "127.0.0.1", 9600],
    ["[::1]:9600", "::1", 9600],
    ["localhost:1", "localhost", 1],
    ["0.0.0.0:80", "0.0.0.0", 80],
  ])("splits %s", (text, hostname, port) => {
    expect(splitHostPort(text)).toEqual({ hostname, port });
  });
});

describe("isLoopbackHost", () => {
  test.each(["127.0.0.1", "127.1.2.3", "::1", "localhost", "LOCALHOST", "admin.localhost"])(
    "%s is loopback",
    (host) => {
      expect(isLoopbackHost(host)).toBe(true);
    },
  );

  test.each([
    "0.0.0.0",
    "::",
    "*",
    "",
    "10.0.0.1",
    "192.168.1.10",
    "lb.example",
    "127.0.0.1.evil",
    "localhost.evil",
    "::ffff:7f00:1",
  ])("%j may be reached from elsewhere", (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });
});
