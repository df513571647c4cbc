import { describe, expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import { serviceHealthCheck } from "../../../src/config/resolve-health.ts";
import { ConfigError } from "../../../src/errors.ts";

const FILE = "/etc/sluice/sluice.toml";

/** The message of the ConfigError that `lines` give; fails when they are accepted. */
function problemOf(lines: string[]): string {
  try {
    parseConfigText(lines.join("\n"), FILE);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error(`expected a ConfigError for:\n${lines.join("\n")}`);
}

describe("[health]", () => {
  test("reads every field", () => {
    const config = parseConfigText(
      [
        "[health]",
        "enabled = false",
        'type = "http"',
        'path = "/healthz?full=1"',
        'host = "web.internal:8080"',
        'expect_status = "200-299"',
        'interval = "500ms"',
        'timeout = "200ms"',
        "rise = 1",
        "fall = 5",
        "jitter = 25",
        'remove_after = "0s"',
        "max_ejection_percent = 20",
        "panic_threshold = 70",
        'leader_ttl = "3s"',
      ].join("\n"),
      FILE,
    );
    expect(config.health).toEqual({
      enabled: false,
      type: "http",
      path: "/healthz?full=1",
      host: "web.internal:8080",
      expectStatus: "200-299",
      intervalMs: 500,
      timeoutMs: 200,
      rise: 1,
      fall: 5,
      jitter: 25,
      removeAfterMs: 0,
      maxEjectionPercent: 20,
      panicThreshold: 70,
      leaderTtlMs: 3000,
    });
  });

  // Each row: the lines after [health], and what the message must say (file:line and field).
  const invalid: [string, string[], string][] = [
    ["rise below 1", ["rise = 0"], "sluice.toml:2: health.rise: must be an integer from 1"],
    ["fall below 1", ["fall = 0"], "sluice.toml:2: health.fall: must be an integer from 1"],
    ["a fractional rise", ["rise = 1.5"], "health.rise: must be an integer"],
    ["jitter above 50", ["jitter = 51"], "health.jitter: must be an integer from 0 to 50"],
    [
      "a percentage above 100",
      ["max_ejection_percent = 101"],
      "health.max_ejection_percent: must be an integer from 0 to 100",
    ],
    ["a negative threshold", ["panic_threshold = -1"], "health.panic_threshold: must be"],
    [
      "a timeout longer than the interval",
      ['interval = "1s"', 'timeout = "2s"'],
      "sluice.toml:3: health.timeout: must not be longer than interval",
    ],
    [
      "a short interval",
      ['interval = "50ms"'],
      'health.interval: must be at least 100ms, got "50ms"',
    ],
    ["an unknown type", ['type = "udp"'], 'health.type: must be one of "tcp", "http", got "udp"'],
    ["a path with a space", ['path = "/ x"'], 'health.path: must be a path starting with "/"'],
    ["a path with a newline", ['path = "/x\\nserver evil"'], "health.path: must be a path"],
    ["a path with a quote", ['path = "/x\\" hdr"'], "health.path: must be a path"],
    ["a path with a #", ['path = "/x#y"'], "health.path: must be a path"],
    ["a path with $", ['path = "/$HOME"'], "health.path: must be a path"],
    ["a relative path", ['path = "healthz"'], "health.path: must be a path"],
    ["a host with a space", ['host = "a b"'], "health.host: must be"],
    ["a host with a header", ['host = "a\\r\\nX-Evil: 1"'], "health.host: must be"],
    ["a word for a status", ['expect_status = "ok"'], 'health.expect_status: must be ""'],
    ["a status out of range", ['expect_status = "700"'], "health.expect_status: must be"],
    ["a status and more", ['expect_status = "200 hdr"'], "health.expect_status: must be"],
    ["a leader_ttl below 2s", ['leader_ttl = "1s"'], "health.leader_ttl: must be at least 2000ms"],
    ["a leader_ttl in ms", ['leader_ttl = "2500ms"'], "health.leader_ttl: must be whole seconds"],
    [
      "a remove_after shorter than fall × interval",
      ['remove_after = "5s"'],
      'health.remove_after: must be "0s" or at least fall × interval (6000ms',
    ],
    ["an unknown field", ["intervall = 3"], "sluice.toml:2: health.intervall: unknown field"],
  ];
  for (const [name, lines, message] of invalid) {
    test(`refuses ${name}`, () => {
      expect(problemOf(["[health]", ...lines])).toContain(message);
    });
  }
});

describe("[[service]] health overrides", () => {
  const base = [
    "[health]",
    'type = "tcp"',
    'interval = "2s"',
    "fall = 3",
    "",
    "[[service]]",
    'name = "web"',
  ];

  test("an unset override takes [health]'s value, a set one replaces it", () => {
    const config = parseConfigText(
      [...base, 'health_type = "http"', 'health_path = "/ping"', "health_fall = 2"].join("\n"),
      FILE,
    );
    const [web] = config.services;
    expect(web).toEqual({
      name: "web",
      balance: "leastconn",
      hostnames: [],
      healthType: "http",
      healthPath: "/ping",
      healthFall: 2,
    });
    expect(serviceHealthCheck(config.health, web)).toEqual({
      type: "http",
      path: "/ping",
      host: "",
      expectStatus: "",
      intervalMs: 2000,
      timeoutMs: 1000,
      rise: 2,
      fall: 2,
    });
  });

  test("a service without overrides gets [health]'s check", () => {
    const config = parseConfigText(base.join("\n"), FILE);
    const check = serviceHealthCheck(config.health, config.services[0]);
    expect(check).toMatchObject({ type: "tcp", intervalMs: 2000, fall: 3 });
  });

  const invalid: [string, string[], string][] = [
    [
      "an unknown type",
      ['health_type = "icmp"'],
      'service.health_type: must be one of "tcp", "http"',
    ],
    [
      "a path with a space",
      ['health_path = "/a b"'],
      "sluice.toml:8: service.health_path: must be",
    ],
    ["a status word", ['health_expect_status = "2xx"'], "service.health_expect_status: must be"],
    ["a fall of 0", ["health_fall = 0"], "service.health_fall: must be an integer from 1"],
    [
      "an interval shorter than [health]'s timeout",
      ['health_interval = "500ms"'],
      "sluice.toml:8: service.health_interval: the check timeout (1000ms) must not be longer",
    ],
    [
      "a timeout longer than [health]'s interval",
      ['health_timeout = "3s"'],
      "service.health_timeout: the check timeout (3000ms) must not be longer than its interval (2000ms)",
    ],
  ];
  for (const [name, lines, message] of invalid) {
    test(`refuses ${name}`, () => {
      expect(problemOf([...base, ...lines])).toContain(message);
    });
  }
});
