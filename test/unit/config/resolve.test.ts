import { describe, expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import type { SluiceConfig } from "../../../src/config/schema.ts";
import { ConfigError } from "../../../src/errors.ts";

const FILE = "/etc/sluice/sluice.toml";

function parse(lines: string[]): SluiceConfig {
  return parseConfigText(lines.join("\n"), FILE);
}

/** The ConfigError thrown for `lines`; fails when the config is accepted. */
function errorFor(lines: string[]): ConfigError {
  try {
    parse(lines);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for:\n${lines.join("\n")}`);
}

describe("resolveConfig defaults", () => {
  test("an empty file gives every documented default and no [haproxy]", () => {
    expect(parseConfigText("", FILE)).toEqual({
      file: FILE,
      stateDir: "/var/lib/sluice",
      logLevel: "info",
      logFormat: "json",
      discovery: "etcd",
      fileDiscovery: undefined,
      etcd: {
        endpoints: ["http://127.0.0.1:2379"],
        prefix: "/apps/",
        dialTimeoutMs: 5000,
        keepaliveMs: 5000,
        keepaliveTimeoutMs: 3000,
        progressIntervalMs: 5000,
        resyncIntervalMs: 300_000,
        username: undefined,
        passwordFile: undefined,
        caFile: undefined,
        certFile: undefined,
        keyFile: undefined,
      },
      haproxy: undefined,
      apply: {
        minWaitMs: 0,
        maxWaitMs: 200,
        reloadWaitMs: 100,
        minReloadIntervalMs: 1000,
        runtimeApi: true,
        allowEmpty: false,
        maxDropPercent: 50,
      },
      admin: { listen: "127.0.0.1:9600", socket: "/run/sluice/admin.sock", tokenFile: "" },
      health: {
        enabled: true,
        type: "tcp",
        path: "/",
        host: "",
        expectStatus: "",
        intervalMs: 2000,
        timeoutMs: 1000,
        rise: 2,
        fall: 3,
        jitter: 0,
        removeAfterMs: 300_000,
        maxEjectionPercent: 10,
        panicThreshold: 50,
        leaderTtlMs: 10_000,
      },
      services: [],
      templates: [],
    });
  });

  test("an empty [haproxy] section gets every documented default", () => {
    expect(parse(["[haproxy]"]).haproxy).toEqual({
      binary: "/usr/sbin/haproxy",
      template: "/etc/sluice/templates/haproxy.cfg.liquid",
      config: "/var/lib/sluice/haproxy.cfg",
      runtimeDir: "/run/sluice",
      reload: "master-worker",
      bind: "*:80",
      statsBind: "*:8888",
      defaultService: "",
      hardStopAfterMs: 30_000,
      checkTimeoutMs: 30_000,
      maxOldWorkers: 3,
      spareSlots: 8,
      renderTimeoutMs: 2000,
      renderMemoryLimit: 10_000_000,
      templateSizeLimit: 1_000_000,
      cookieKey: "sluice",
      trustedPrefixes: [],
    });
  });

  test("the rendered config follows state_dir, the admin socket follows runtime_dir", () => {
    const config = parse([
      'state_dir = "/srv/sluice"',
      "[haproxy]",
      'runtime_dir = "/tmp/sluice-run"',
    ]);
    expect(config.stateDir).toBe("/srv/sluice");
    expect(config.haproxy?.config).toBe("/srv/sluice/haproxy.cfg");
    expect(config.admin.socket).toBe("/tmp/sluice-run/admin.sock");
  });

  test("reads the fixed keys of the design document", () => {
    const config = parse([
      'state_dir = "/var/lib/sluice"',
      "",
      "[etcd]",
      'endpoints = ["http://10.0.0.1:2379", "https://10.0.0.2:2379"]',
      'prefix = "/lb/apps"',
      "",
      "[haproxy]",
      'binary = "/opt/haproxy/sbin/haproxy"',
      'reload = "sf"',
      'bind = "*:8080"',
      'stats_bind = "127.0.0.1:9999"',
      'hard_stop_after = "1m"',
      "",
      "[admin]",
      'listen = "127.0.0.1:9700"',
      'socket = ""',
      "",
      "[apply]",
      'min_wait = "10ms"',
      'max_wait = "1s"',
    ]);
    expect(config.etcd.endpoints).toEqual(["http://10.0.0.1:2379", "https://10.0.0.2:2379"]);
    expect(config.etcd.prefix).toBe("/lb/apps/");
    expect(config.haproxy?.binary).toBe("/opt/haproxy/sbin/haproxy");
    expect(config.haproxy?.reload).toBe("sf");
    expect(config.haproxy?.bind).toBe("*:8080");
    expect(config.haproxy?.statsBind).toBe("127.0.0.1:9999");
    expect(config.haproxy?.hardStopAfterMs).toBe(60_000);
    expect(config.admin.listen).toBe("127.0.0.1:9700");
    expect(config.apply).toEqual({
      minWaitMs: 10,
      maxWaitMs: 1000,
      reloadWaitMs: 100,
      minReloadIntervalMs: 1000,
      runtimeApi: true,
      allowEmpty: false,
      maxDropPercent: 50,
    });
  });

  test("reads [[service]] overrides with their defaults", () => {
    const config = parse([
      "[[service]]",
      'name = "web"',
      'balance = "roundrobin"',
      'hostnames = ["www.example.com"]',
      "",
      "[[service]]",
      'name = "api"',
    ]);
    expect(config.services).toEqual([
      { name: "web", balance: "roundrobin", hostnames: ["www.example.com"] },
      { name: "api", balance: "leastconn", hostnames: [] },
    ]);
  });
});

describe("resolveConfig runtime API, slot and guard settings", () => {
  test("reads every new [haproxy] and [apply] field when set", () => {
    const config = parse([
      "[haproxy]",
      "max_old_workers = 5",
      "spare_slots = 0",
      'cookie_key = "Secret-key_1.0"',
      "",
      "[apply]",
      'reload_wait = "1s"',
      'min_reload_interval = "2500ms"',
      "runtime_api = false",
      "allow_empty = true",
      "max_drop_percent = 100",
    ]);
    expect(config.haproxy).toMatchObject({
      maxOldWorkers: 5,
      spareSlots: 0,
      cookieKey: "Secret-key_1.0",
    });
    expect(config.apply).toEqual({
      minWaitMs: 0,
      maxWaitMs: 200,
      reloadWaitMs: 1000,
      minReloadIntervalMs: 2500,
      runtimeApi: false,
      allowEmpty: true,
      maxDropPercent: 100,
    });
  });

  test.each([
    ["max_old_workers = 1", "maxOldWorkers", 1],
    ["max_old_workers = 100", "maxOldWorkers", 100],
    ["spare_slots = 0", "spareSlots", 0],
    ["spare_slots = 100000", "spareSlots", 100_000],
    [`cookie_key = "${"k".repeat(64)}"`, "cookieKey", "k".repeat(64)],
    ['cookie_key = "a"', "cookieKey", "a"],
  ] as const)("[haproxy] accepts the bound %s", (line, field, value) => {
    expect(parse(["[haproxy]", line]).haproxy?.[field]).toBe(value);
  });

  test.each([
    ["max_drop_percent = 0", "maxDropPercent", 0],
    ["max_drop_percent = 100", "maxDropPercent", 100],
    ['reload_wait = "0ms"', "reloadWaitMs", 0],
    ['min_reload_interval = "0s"', "minReloadIntervalMs", 0],
  ] as const)("[apply] accepts the bound %s", (line, field, value) => {
    expect(parse(["[apply]", line]).apply[field]).toBe(value);
  });

  test.each([
    [
      "[apply]",
      "max_drop_percent = 150",
      "apply.max_drop_percent: must be an integer from 0 to 100, got number 150",
    ],
    [
      "[apply]",
      "max_drop_percent = -1",
      "apply.max_drop_percent: must be an integer from 0 to 100, got number -1",
    ],
    [
      "[apply]",
      "max_drop_percent = 50.5",
      "apply.max_drop_percent: must be an integer from 0 to 100, got number 50.5",
    ],
    [
      "[apply]",
      'max_drop_percent = "50"',
      'apply.max_drop_percent: must be an integer from 0 to 100, got string "50"',
    ],
    [
      "[apply]",
      'runtime_api = "yes"',
      'apply.runtime_api: must be true or false, got string "yes"',
    ],
    ["[apply]", "allow_empty = 1", "apply.allow_empty: must be true or false, got number 1"],
    [
      "[apply]",
      'reload_wait = "soon"',
      'apply.reload_wait: must be a duration such as "250ms" or "2s", got "soon"',
    ],
    [
      "[apply]",
      "min_reload_interval = 1",
      "apply.min_reload_interval: must be a string, got number 1",
    ],
    [
      "[apply]",
      'min_reload_interval = "-1s"',
      'apply.min_reload_interval: must be a duration such as "250ms" or "2s", got "-1s"',
    ],
    [
      "[haproxy]",
      "max_old_workers = 0",
      "haproxy.max_old_workers: must be an integer from 1 to 100, got number 0",
    ],
    [
      "[haproxy]",
      "max_old_workers = 101",
      "haproxy.max_old_workers: must be an integer from 1 to 100, got number 101",
    ],
    [
      "[haproxy]",
      "spare_slots = -1",
      "haproxy.spare_slots: must be an integer from 0 to 100000, got number -1",
    ],
    ["[haproxy]", 'cookie_key = "a b"', "haproxy.cookie_key: must be 1-64 of [A-Za-z0-9._-]"],
    ["[haproxy]", 'cookie_key = ""', "haproxy.cookie_key: must be 1-64 of [A-Za-z0-9._-]"],
    [
      "[haproxy]",
      `cookie_key = "${"k".repeat(65)}"`,
      "haproxy.cookie_key: must be 1-64 of [A-Za-z0-9._-]",
    ],
    [
      "[haproxy]",
      'cookie_key = "key\\nbind :1"',
      "haproxy.cookie_key: must be 1-64 of [A-Za-z0-9._-]",
    ],
    ["[haproxy]", "cookie_key = 5", "haproxy.cookie_key: must be a string, got number 5"],
  ])("%s %s is refused at its line", (section, line, message) => {
    // The bad field sits on line 4, after a comment and a good field, so the line is its own.
    const good = section === "[apply]" ? 'min_wait = "2ms"' : 'bind = "*:80"';
    const error = errorFor(["# sluice.toml", section, good, line]);
    expect(error.message).toBe(`${FILE}:4: ${message}`);
  });
});

describe("resolveConfig paths", () => {
  test("a relative template resolves against the config file's directory", () => {
    expect(parse(["[haproxy]", 'template = "templates/custom.liquid"']).haproxy?.template).toBe(
      "/etc/sluice/templates/custom.liquid",
    );
    expect(parse(["[haproxy]", 'template = "../shared/t.liquid"']).haproxy?.template).toBe(
      "/etc/shared/t.liquid",
    );
  });

  test("an absolute template is kept as written", () => {
    expect(parse(["[haproxy]", 'template = "/opt/t.liquid"']).haproxy?.template).toBe(
      "/opt/t.liquid",
    );
  });

  test("a config file in another directory resolves relative paths there", () => {
    const config = parseConfigText('[haproxy]\ntemplate = "t.liquid"\n', "/srv/lb/sluice.toml");
    expect(config.haproxy?.template).toBe("/srv/lb/t.liquid");
  });

  test("a relative token_file resolves against the config file's directory", () => {
    const config = parse(["[admin]", 'listen = "0.0.0.0:9600"', 'token_file = "token"']);
    expect(config.admin.tokenFile).toBe("/etc/sluice/token");
  });
});

describe("resolveConfig errors name the file, the line and the field", () => {
  test("an unknown field", () => {
    const error = errorFor(["[etcd]", 'endpoints = ["http://127.0.0.1:2379"]', 'prefx = "/apps/"']);
    expect(error.message).toBe(`${FILE}:3: etcd.prefx: unknown field`);
  });

  test("an unknown top-level field", () => {
    const error = errorFor(['state_dir = "/var/lib/sluice"', 'stat_dir = "/tmp"']);
    expect(error.message).toBe(`${FILE}:2: stat_dir: unknown field or section`);
  });

  test("an unknown section", () => {
    const error = errorFor(['state_dir = "/var/lib/sluice"', "", "[haproxi]", 'bind = "*:80"']);
    expect(error.message).toMatch(new RegExp(`^${FILE}:3: haproxi: `));
  });

  test("a wrong type", () => {
    const error = errorFor(["[haproxy]", 'binary = "/usr/sbin/haproxy"', "bind = 80"]);
    expect(error.message).toBe(`${FILE}:3: haproxy.bind: must be a string, got number 80`);
  });

  test("a string where an array of strings belongs", () => {
    const error = errorFor(["[etcd]", 'endpoints = "http://127.0.0.1:2379"']);
    expect(error.message).toMatch(
      new RegExp(`^${FILE}:2: etcd\\.endpoints: must be an array of strings`),
    );
  });

  test("a bad duration", () => {
    const error = errorFor(["[haproxy]", "", 'hard_stop_after = "30 seconds"']);
    expect(error.message).toBe(
      `${FILE}:3: haproxy.hard_stop_after: must be a duration such as "250ms" or "2s", got "30 seconds"`,
    );
  });

  test("a duration below its minimum", () => {
    const error = errorFor(["[haproxy]", 'check_timeout = "10ms"']);
    expect(error.message).toMatch(
      new RegExp(`^${FILE}:2: haproxy\\.check_timeout: must be at least 100ms`),
    );
  });

  test("max_wait shorter than min_wait", () => {
    const error = errorFor(["[apply]", 'min_wait = "1s"', 'max_wait = "10ms"']);
    expect(error.message).toBe(`${FILE}:3: apply.max_wait: must not be shorter than min_wait`);
  });

  test("a bad reload mode", () => {
    const error = errorFor([
      "# sluice.toml",
      "",
      "[etcd]",
      'prefix = "/apps/"',
      "",
      "[haproxy]",
      'reload = "graceful"',
    ]);
    expect(error.message).toBe(
      `${FILE}:7: haproxy.reload: must be one of "master-worker", "sf", got "graceful"`,
    );
  });

  test("a key of the same name in another section does not mislead the line number", () => {
    const error = errorFor([
      "[admin]",
      'socket = "/run/sluice/admin.sock"',
      "[haproxy]",
      'bind = "*:80"',
      "socket = 5",
    ]);
    expect(error.message).toBe(`${FILE}:5: haproxy.socket: unknown field`);
  });

  test("a bind that is not host:port", () => {
    const error = errorFor(["[haproxy]", 'bind = "*:80 ssl crt /x"']);
    expect(error.message).toBe(
      `${FILE}:2: haproxy.bind: must be "host:port", got "*:80 ssl crt /x"`,
    );
  });

  test("an endpoint that is not a URL", () => {
    const error = errorFor(["[etcd]", 'endpoints = ["127.0.0.1:2379"]']);
    expect(error.message).toMatch(
      new RegExp(`^${FILE}:2: etcd\\.endpoints: "127.0.0.1:2379" is not a URL`),
    );
  });

  test("a service balance that HAProxy does not know", () => {
    const error = errorFor(["[[service]]", 'name = "web"', 'balance = "fastest"']);
    expect(error.message).toMatch(
      new RegExp(`^${FILE}:3: service\\.balance: "fastest" is not one of`),
    );
  });

  test("a service declared twice names the line of the second declaration", () => {
    const error = errorFor(["[[service]]", 'name = "web"', "", "[[service]]", 'name = "web"']);
    expect(error.message).toBe(`${FILE}:5: service.name: service "web" is declared twice`);
  });

  test("a section that is not a table", () => {
    const error = errorFor(['state_dir = "/var/lib/sluice"', 'haproxy = "yes"']);
    expect(error.message).toBe(`${FILE}:2: haproxy: must be a table ([haproxy])`);
  });
});

describe("admin listen and token_file", () => {
  test("a non-loopback listen without token_file is an error", () => {
    const error = errorFor(["[admin]", 'listen = "0.0.0.0:9600"']);
    expect(error.message).toMatch(
      new RegExp(
        `^${FILE}:\\d+: admin\\.token_file: is required when admin\\.listen \\("0\\.0\\.0\\.0:9600"\\) is not a loopback address`,
      ),
    );
    // It says how to fix it: a token file, made how and with which mode, or a loopback listen.
    expect(error.message).toContain('token_file = "/etc/sluice/admin.token"');
    expect(error.message).toContain("openssl rand -hex 32");
    expect(error.message).toContain("0640 root:sluice");
    expect(error.message).toContain('listen = "127.0.0.1:9600"');
  });

  test.each(["192.168.1.10:9600", "lb.internal:9600", "*:9600", "127.0.0.1.example:9600"])(
    "a listen on %s (not loopback) needs a token_file too",
    (listen) => {
      expect(errorFor(["[admin]", `listen = "${listen}"`]).message).toContain("admin.token_file");
    },
  );

  test("a non-loopback IPv6 listen without token_file is an error", () => {
    expect(errorFor(["[admin]", 'listen = "[::]:9600"']).message).toContain("admin.token_file");
  });

  test("loopback listens need no token", () => {
    for (const listen of ["127.0.0.1:9600", "127.0.0.2:9600", "localhost:9600", "[::1]:9600", ""]) {
      expect(parse(["[admin]", `listen = "${listen}"`]).admin.listen).toBe(listen);
    }
  });

  test("a non-loopback listen with a token_file is accepted", () => {
    const config = parse([
      "[admin]",
      'listen = "0.0.0.0:9600"',
      'token_file = "/etc/sluice/token"',
    ]);
    expect(config.admin).toMatchObject({ listen: "0.0.0.0:9600", tokenFile: "/etc/sluice/token" });
  });
});

describe("[etcd] TLS and authentication", () => {
  test("relative credential paths resolve against the config file's directory", () => {
    const config = parse([
      "[etcd]",
      'endpoints = ["https://10.0.0.1:2379", "https://10.0.0.2:2379"]',
      'ca_file = "pki/ca.pem"',
      'cert_file = "/etc/pki/sluice.pem"',
      'key_file = "pki/sluice.key"',
      'username = "sluice"',
      'password_file = "etcd.pass"',
      'progress_interval = "2s"',
      'resync_interval = "0s"',
    ]);
    expect(config.etcd).toMatchObject({
      caFile: "/etc/sluice/pki/ca.pem",
      certFile: "/etc/pki/sluice.pem",
      keyFile: "/etc/sluice/pki/sluice.key",
      username: "sluice",
      passwordFile: "/etc/sluice/etcd.pass",
      progressIntervalMs: 2000,
      resyncIntervalMs: 0,
    });
  });

  test("an inline password is refused, pointing at password_file", () => {
    expect(errorFor(["[etcd]", 'username = "u"', 'password = "hunter2"']).message).toBe(
      `${FILE}:3: etcd.password: is not read: put the password in a file and set password_file, so it stays out of sluice.toml`,
    );
  });

  test("username without password_file names the field", () => {
    expect(errorFor(["[etcd]", 'username = "u"']).message).toContain(
      "etcd.password_file: username and password_file go together",
    );
  });

  test("cert_file without key_file names the field", () => {
    const lines = ["[etcd]", 'endpoints = ["https://e:2379"]', 'cert_file = "c.pem"'];
    expect(errorFor(lines).message).toContain("etcd.key_file: cert_file and key_file go together");
  });

  test("TLS files with an http:// endpoint name the endpoint", () => {
    const lines = ["[etcd]", 'endpoints = ["http://10.0.0.1:2379"]', 'ca_file = "ca.pem"'];
    expect(errorFor(lines).message).toBe(
      `${FILE}:2: etcd.endpoints: "http://10.0.0.1:2379" must be https:// when ca_file or cert_file is set`,
    );
  });
});
