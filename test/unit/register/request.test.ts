// The arguments of `lbctl register`/`deregister`: each wrong one refused with a message naming
// it, and whatever is accepted is a registration the daemon serves as it was meant.

import { describe, expect, test } from "bun:test";
import { parseArgs, UsageError } from "../../../src/cli/args.ts";
import { decodeRegistration } from "../../../src/model/decode.ts";
import {
  daemonVerdict,
  defaultName,
  parseDeregisterArgs,
  parseEndpoints,
  parseRegisterArgs,
  registrationKey,
  registrationValue,
} from "../../../src/register/request.ts";

const VALUED = ["name", "ttl", "weight", "drain-on-stop", "etcd", "config"];

function register(...argv: string[]) {
  return parseRegisterArgs(parseArgs(argv, VALUED, [], ["meta"]));
}

function usageMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error("no UsageError");
}

describe("parseRegisterArgs", () => {
  test("the defaults: name from the address, TTL 10 s, weight 1, no meta, no drain", () => {
    expect(register("web", "10.0.0.5:9000")).toEqual({
      service: "web",
      address: "10.0.0.5:9000",
      name: "10.0.0.5-9000",
      ttlSeconds: 10,
      weight: 1,
      meta: {},
      drainOnStopMs: 0,
      endpoints: undefined,
      configFile: undefined,
    });
  });

  test("every option, --meta repeated", () => {
    const request = register(
      "api",
      "[fd00::5]:80",
      "--name=api-1",
      "--ttl",
      "2s",
      "--weight",
      "0",
      "--meta",
      "zone=a",
      "--meta=version=1.2=x",
      "--drain-on-stop",
      "1.5s",
      "--etcd",
      "http://127.0.0.1:2379, https://etcd-2:2379",
      "--config",
      "/tmp/sluice.toml",
    );
    expect(request).toEqual({
      service: "api",
      address: "[fd00::5]:80",
      name: "api-1",
      ttlSeconds: 2,
      weight: 0,
      meta: { zone: "a", version: "1.2=x" },
      drainOnStopMs: 1500,
      endpoints: ["http://127.0.0.1:2379", "https://etcd-2:2379"],
      configFile: "/tmp/sluice.toml",
    });
  });

  test.each([
    [["web"], /needs SVC and ADDR, got 1 arguments/],
    [["web", "10.0.0.5:9000", "extra"], /needs SVC and ADDR, got 3/],
    [["-web", "10.0.0.5:9000"], /^SVC "-web": a service name is 1-64/],
    [["web/x", "10.0.0.5:9000"], /^SVC "web\/x"/],
    [["web", "10.0.0.5"], /^ADDR: address "10.0.0.5" is not host:port/],
    [["web", "10.0.0.5:0"], /^ADDR: port 0 is outside 1-65535/],
    [["web", "0.0.0.0:80"], /^ADDR: host "0.0.0.0"/],
    [["web", "0x7f.0.0.1:80"], /^ADDR: host "0x7f.0.0.1"/],
    [["web", "bad_host:80"], /^ADDR: host "bad_host" is not an IPv4 address or DNS name/],
    [["web", "a:1", "--name", ".hidden"], /^--name ".hidden": a server name is 1-64/],
    [["web", "a:1", "--name", "x".repeat(65)], /^--name "x{65}"/],
    [["web", "a:1", "--ttl", "0s"], /^--ttl "0s": etcd leases count whole seconds/],
    [["web", "a:1", "--ttl", "2.5s"], /^--ttl "2.5s"/],
    [["web", "a:1", "--ttl", "25h"], /^--ttl "25h"/],
    [["web", "a:1", "--ttl", "ten"], /^--ttl "ten"/],
    [["web", "a:1", "--weight", "257"], /^--weight "257": must be an integer from 0 to 256/],
    [["web", "a:1", "--weight", "-1"], /^--weight "-1"/],
    [["web", "a:1", "--weight", "1.5"], /^--weight "1.5"/],
    [["web", "a:1", "--meta", "novalue"], /^--meta "novalue": must be key=value/],
    [["web", "a:1", "--meta", "=v"], /^--meta "=v"/],
    [["web", "a:1", "--meta", "k=1", "--meta", "k=2"], /^--meta: key "k" is given twice/],
    [["web", "a:1", "--drain-on-stop", "2h"], /^--drain-on-stop "2h": must be a duration/],
    [["web", "a:1", "--etcd", "127.0.0.1:2379"], /^--etcd: "127.0.0.1:2379" is not a URL/],
    [["web", "a:1", "--etcd", "http://a:1,"], /^--etcd: "" is not a URL/],
  ])("%p is refused: %p", (argv, message) => {
    expect(usageMessage(() => register(...argv))).toMatch(message);
  });
});

describe("what register accepts, the daemon serves as meant", () => {
  const candidates = {
    service: ["web", "Web.2", "_x", "-x", ".x", "a b", "é", "w".repeat(64), "w".repeat(65)],
    address: [
      "10.0.0.5:9000",
      "[::1]:80",
      "[fe80::1%eth0]:80",
      "host.example.com:443",
      "localhost:1",
      "1.2.3.4:65536",
      "[::]:80",
      "255.255.255.255:80",
      "224.0.0.1:80",
      "017.0.0.1:80",
      "a..b:80",
      `${"a".repeat(64)}.com:80`,
    ],
    name: [undefined, "web-1", "1", "a@b", "-a", "x".repeat(64)],
  };
  const prefix = "/apps/";
  for (const address of candidates.address) {
    test(`ADDR ${address}, with every SVC and --name: refused up front, or served as meant`, () => {
      for (const service of candidates.service) {
        for (const name of candidates.name) {
          const argv = [service, address, ...(name === undefined ? [] : ["--name", name])];
          let request: ReturnType<typeof register>;
          try {
            request = register(...argv);
          } catch (error) {
            expect(error).toBeInstanceOf(UsageError);
            continue;
          }
          const key = registrationKey(prefix, request.service, request.name);
          for (const drain of [false, true]) {
            const value = registrationValue(request, drain);
            expect(daemonVerdict(prefix, key, value)).toBeUndefined();
            const decoded = decodeRegistration(key, request.name, value);
            if (!decoded.ok) throw new Error(`${JSON.stringify(argv)}: ${decoded.reason}`);
            expect(decoded.server.name).toBe(request.name);
            expect(decoded.server.address).toBe(request.address);
            expect(decoded.server.drain).toBe(drain);
          }
        }
      }
    });
  }
});

describe("the registration written", () => {
  test("the JSON form, drain only when stopping", () => {
    const request = register("web", "10.0.0.5:9000", "--weight", "7", "--meta", "zone=a");
    expect(registrationKey("/apps/", "web", request.name)).toBe("/apps/web/10.0.0.5-9000");
    expect(JSON.parse(registrationValue(request))).toEqual({
      addr: "10.0.0.5:9000",
      name: "10.0.0.5-9000",
      weight: 7,
      meta: { zone: "a" },
    });
    expect(JSON.parse(registrationValue(request, true))).toEqual({
      addr: "10.0.0.5:9000",
      name: "10.0.0.5-9000",
      weight: 7,
      drain: true,
      meta: { zone: "a" },
    });
  });

  test.each([
    ["10.0.0.5:9000", "10.0.0.5-9000"],
    ["[fd00::5]:80", "fd00--5-80"],
    ["web.example.com:443", "web.example.com-443"],
    [`${"a".repeat(70)}.com:1`, "a".repeat(64)],
  ])("the default name of %p is %p", (address, name) => {
    expect(defaultName(address)).toBe(name);
  });

  test("a value too long for the daemon is named by the verdict", () => {
    const request = register("web", "a:1", "--meta", `k=${"x".repeat(5000)}`);
    const key = registrationKey("/apps/", "web", request.name);
    expect(daemonVerdict("/apps/", key, registrationValue(request))).toMatch(/longer than 4096/);
  });
});

describe("parseDeregisterArgs", () => {
  const deregister = (...argv: string[]) =>
    parseDeregisterArgs(parseArgs(argv, ["etcd", "config"], ["json"]));

  test("NAME is any key segment, seed-style ones too", () => {
    expect(deregister("stupid_server", "stupid-server@1.service")).toEqual({
      service: "stupid_server",
      name: "stupid-server@1.service",
      endpoints: undefined,
      configFile: undefined,
    });
  });

  test.each([
    [["web"], /needs SVC and NAME, got 1/],
    [["we b", "x"], /^SVC "we b"/],
    [["web", "a/b"], /^NAME "a\/b": must be one key segment/],
    [["web", ""], /^NAME ""/],
    [["web", "x", "--etcd", "ftp://x"], /^--etcd: "ftp:\/\/x"/],
  ])("%p is refused: %p", (argv, message) => {
    expect(usageMessage(() => deregister(...argv))).toMatch(message);
  });
});

test("parseEndpoints keeps the order", () => {
  expect(parseEndpoints("http://b:1,http://a:1")).toEqual(["http://b:1", "http://a:1"]);
  expect(parseEndpoints(undefined)).toBeUndefined();
});
