import { describe, expect, test } from "bun:test";
import { decodeRegistration, deriveName, parseAddress } from "../../../src/model/decode.ts";
import type { Server } from "../../../src/model/types.ts";
import { HOSTILE_VALUES } from "./hostile-values.ts";

/** Decodes `value` registered at `/apps/web/<instance>` and expects it to be accepted. */
function accept(value: string, instance = "inst-1"): Server {
  const decoded = decodeRegistration(`/apps/web/${instance}`, instance, value);
  if (!decoded.ok)
    throw new Error(`expected ${JSON.stringify(value)} to be accepted: ${decoded.reason}`);
  return decoded.server;
}

function reasonFor(value: string, instance = "inst-1"): string {
  const decoded = decodeRegistration(`/apps/web/${instance}`, instance, value);
  if (decoded.ok) throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
  return decoded.reason;
}

describe("decodeRegistration: the seed form <name> <host>:<port>", () => {
  test("accepts the seed's own value", () => {
    const server = accept("stupid-server-1 10.10.10.10:9000", "stupid-server@1.service");
    expect(server).toEqual({
      key: "/apps/web/stupid-server@1.service",
      name: "stupid-server-1",
      host: "10.10.10.10",
      port: 9000,
      address: "10.10.10.10:9000",
      weight: 1,
      drain: false,
      meta: {},
    });
  });

  const table: { value: string; name: string; host: string; port: number; address: string }[] = [
    {
      value: "web-1 10.0.0.1:80",
      name: "web-1",
      host: "10.0.0.1",
      port: 80,
      address: "10.0.0.1:80",
    },
    { value: "a.b_c-D 1.1.1.1:1", name: "a.b_c-D", host: "1.1.1.1", port: 1, address: "1.1.1.1:1" },
    {
      value: "edge 223.255.255.254:65535",
      name: "edge",
      host: "223.255.255.254",
      port: 65535,
      address: "223.255.255.254:65535",
    },
    {
      value: "v6 [2001:db8::1]:443",
      name: "v6",
      host: "2001:db8::1",
      port: 443,
      address: "[2001:db8::1]:443",
    },
    { value: "loop6 [::1]:8080", name: "loop6", host: "::1", port: 8080, address: "[::1]:8080" },
    {
      value: "mapped [::ffff:10.0.0.1]:80",
      name: "mapped",
      host: "::ffff:10.0.0.1",
      port: 80,
      address: "[::ffff:10.0.0.1]:80",
    },
    {
      value: "dns backend.example.com:8080",
      name: "dns",
      host: "backend.example.com",
      port: 8080,
      address: "backend.example.com:8080",
    },
    {
      value: "local localhost:3000",
      name: "local",
      host: "localhost",
      port: 3000,
      address: "localhost:3000",
    },
    {
      value: "fqdn db-1.internal.:5432",
      name: "fqdn",
      host: "db-1.internal.",
      port: 5432,
      address: "db-1.internal.:5432",
    },
    {
      value: "  padded 10.0.0.9:80  ",
      name: "padded",
      host: "10.0.0.9",
      port: 80,
      address: "10.0.0.9:80",
    },
    {
      value: "zeros 10.0.0.1:0080",
      name: "zeros",
      host: "10.0.0.1",
      port: 80,
      address: "10.0.0.1:80",
    },
  ];
  for (const row of table) {
    test(`accepts ${JSON.stringify(row.value)} as ${row.name} at ${row.address}`, () => {
      const server = accept(row.value);
      expect(server.name).toBe(row.name);
      expect(server.host).toBe(row.host);
      expect(server.port).toBe(row.port);
      expect(server.address).toBe(row.address);
      expect(server.weight).toBe(1);
      expect(server.drain).toBe(false);
    });
  }
});

describe("decodeRegistration: the bare form <host>:<port>", () => {
  test("names the server after the key's last segment, replacing characters outside the charset", () => {
    const server = accept("10.10.10.10:9000", "stupid-server@1.service");
    expect(server.name).toBe("stupid-server-1.service");
    expect(server.address).toBe("10.10.10.10:9000");
    expect(server.key).toBe("/apps/web/stupid-server@1.service");
  });

  test("accepts a bracketed IPv6 address", () => {
    const server = accept("[fd00::5]:9000", "v6-instance");
    expect(server.name).toBe("v6-instance");
    expect(server.host).toBe("fd00::5");
    expect(server.address).toBe("[fd00::5]:9000");
  });

  test("accepts a DNS name", () => {
    const server = accept("api.service.consul:8500", "api");
    expect(server.host).toBe("api.service.consul");
    expect(server.port).toBe(8500);
  });

  test("an instance made only of unsafe characters still yields a safe name", () => {
    const server = accept("10.0.0.1:80", 'x y{z}"#');
    expect(server.name).toBe("x-y-z---");
  });
});

describe("decodeRegistration: the JSON form", () => {
  test("reads addr, name, weight, drain and meta", () => {
    const server = accept(
      '{"addr":"10.0.0.5:9000","name":"web-1","weight":10,"drain":false,"meta":{"zone":"a"}}',
    );
    expect(server).toEqual({
      key: "/apps/web/inst-1",
      name: "web-1",
      host: "10.0.0.5",
      port: 9000,
      address: "10.0.0.5:9000",
      weight: 10,
      drain: false,
      meta: { zone: "a" },
    });
  });

  test("without a name, the server is named after the key like the bare form", () => {
    const server = accept('{"addr":"10.0.0.5:9000"}', "stupid-server@1.service");
    expect(server.name).toBe("stupid-server-1.service");
    expect(server.weight).toBe(1);
    expect(server.drain).toBe(false);
    expect(server.meta).toEqual({});
  });

  test("marks a drained server", () => {
    expect(accept('{"addr":"10.0.0.5:9000","drain":true}').drain).toBe(true);
  });

  test("accepts the weight bounds 0 and 256", () => {
    expect(accept('{"addr":"10.0.0.5:9000","weight":0}').weight).toBe(0);
    expect(accept('{"addr":"10.0.0.5:9000","weight":256}').weight).toBe(256);
  });

  test("accepts an IPv6 address and a DNS name in addr", () => {
    expect(accept('{"addr":"[2001:db8::7]:80"}').address).toBe("[2001:db8::7]:80");
    expect(accept('{"addr":"db.example.org:5432"}').host).toBe("db.example.org");
  });

  test("keeps meta as given, whatever it holds, since it is never rendered", () => {
    const server = accept('{"addr":"10.0.0.5:9000","meta":{"note":"line\\nbreak","n":[1,2]}}');
    expect(server.meta).toEqual({ note: "line\nbreak", n: [1, 2] });
  });

  test("accepts surrounding whitespace", () => {
    expect(accept('  {"addr":"10.0.0.5:9000","name":"ws"}  ').name).toBe("ws");
  });
});

describe("decodeRegistration: hostile values are rejected with a reason", () => {
  test("the table holds at least 25 hostile values", () => {
    expect(HOSTILE_VALUES.length).toBeGreaterThanOrEqual(25);
  });

  for (const hostile of HOSTILE_VALUES) {
    test(`rejects ${hostile.name}`, () => {
      expect(reasonFor(hostile.value)).toMatch(hostile.reason);
    });
  }

  // Reasons are printed by `lbctl status` and logs: they must not carry a raw line break or an
  // escape sequence from the value into the operator's terminal.
  for (const hostile of HOSTILE_VALUES) {
    test(`the reason for ${hostile.name} is one printable line`, () => {
      const reason = reasonFor(hostile.value);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: the check for them
      expect(reason).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
      expect(reason.length).toBeGreaterThan(10);
    });
  }
});

describe("parseAddress", () => {
  test("returns host, port and the server-line address", () => {
    expect(parseAddress("10.1.2.3:8080")).toEqual({
      host: "10.1.2.3",
      port: 8080,
      address: "10.1.2.3:8080",
    });
    expect(parseAddress("[::1]:80")).toEqual({ host: "::1", port: 80, address: "[::1]:80" });
    expect(parseAddress("example.com:443")).toEqual({
      host: "example.com",
      port: 443,
      address: "example.com:443",
    });
  });

  test("keeps loopback, private and ordinary addresses and names valid", () => {
    for (const text of [
      "127.0.0.1:80",
      "10.0.0.1:80",
      "172.16.0.1:80",
      "192.168.1.1:80",
      "1.0.0.0:80",
      "223.255.255.254:80",
      "240.0.0.1:80",
      "[::1]:80",
      "[fe80::1]:80",
      "[::ffff:127.0.0.1]:80",
      "[fe00::1]:80",
      "localhost:80",
      "0.example.com:80",
      "0xylophone.example.com:80",
      "10x.example.com:80",
    ]) {
      expect(typeof parseAddress(text)).toBe("object");
    }
  });

  const bad: [string, RegExp][] = [
    ["10.1.2.3", /is not host:port/],
    [":80", /is not host:port/],
    ["10.1.2.3:0", /port 0 is outside 1-65535/],
    ["10.1.2.3:65536", /port 65536 is outside 1-65535/],
    ["[::1]:0", /port 0 is outside/],
    ["[10.0.0.1]:80", /"10.0.0.1" is not an IPv6 address/],
    ["[::1::2]:80", /is not an IPv6 address/],
    ["1.2.3.4.5:80", /host "1.2.3.4.5" is not an IPv4 address or DNS name/],
    ["under_score.example:80", /is not an IPv4 address or DNS name/],
    ["a..b:80", /is not an IPv4 address or DNS name/],
    ["0.0.0.0:80", /host "0.0.0.0" is the unspecified address, not a backend/],
    ["255.255.255.255:80", /host "255.255.255.255" is the broadcast address, not a backend/],
    ["230.1.2.3:80", /host "230.1.2.3" is a multicast address \(224.0.0.0\/4\), not a backend/],
    ["[::]:80", /host "::" is the unspecified address/],
    ["[0:0::0]:80", /is the unspecified address/],
    ["[FF05::2]:80", /host "FF05::2" is a multicast address \(ff00::\/8\)/],
    ["[::ffff:224.0.0.1]:80", /maps 224.0.0.1, which is a multicast address/],
    ["0x7f.0.0.1:80", /host "0x7f.0.0.1" has the label "0x7f", which resolvers may read as a hex/],
    ["0x.example:80", /hexadecimal/],
    ["a.017.example:80", /label "017", which resolvers may read as an octal number/],
  ];
  for (const [text, reason] of bad) {
    test(`explains why ${JSON.stringify(text)} is not an address`, () => {
      const result = parseAddress(text);
      expect(typeof result).toBe("string");
      expect(result as string).toMatch(reason);
    });
  }
});

describe("deriveName", () => {
  const table: [string, string][] = [
    ["stupid-server@1.service", "stupid-server-1.service"],
    ["web-1", "web-1"],
    ["a b", "a-b"],
    ["caf\u00e9", "caf-"],
    ["line\nbreak", "line-break"],
    ["", "server"],
  ];
  for (const [input, expected] of table) {
    test(`turns ${JSON.stringify(input)} into ${JSON.stringify(expected)}`, () => {
      expect(deriveName(input)).toBe(expected);
    });
  }

  test("cuts names to 64 characters", () => {
    expect(deriveName("x".repeat(100))).toBe("x".repeat(64));
  });
});
