// Hostile sluice.toml values: durations a timer cannot hold, ports out of range, and strings that
// would break a haproxy.cfg line are refused by config resolution, naming file, line and field.

import { describe, expect, test } from "bun:test";
import { fieldName } from "../../../src/config/field-spec.ts";
import { parseConfigText } from "../../../src/config/load.ts";
import { listFields } from "../../../src/config/settings.ts";
import { MAX_TIMER_MS } from "../../../src/duration.ts";
import { ConfigError } from "../../../src/errors.ts";
import { DEFAULT_TEMPLATE } from "../../../src/render/default-template.ts";

const FILE = "/etc/sluice/sluice.toml";

/** The message of the ConfigError thrown for `text`; fails when the config is accepted. */
function errorFor(text: string): string {
  try {
    parseConfigText(text, FILE);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error(`expected a ConfigError for:\n${text}`);
}

/** How a message about `section.key` starts: the file, a line, the field. */
function startOfMessage(section: string, key: string): RegExp {
  return new RegExp(`^${FILE}:\\d+: ${fieldName(section, key).replace(".", "\\.")}: `);
}

/** A file that sets `section.key = value` (TOML source), on line 3 when in a section. */
function fileSetting(section: string, key: string, value: string): string {
  const extra = section === "haproxy" || section === "" ? "" : "[haproxy]\n";
  if (section === "") return `${key} = ${value}\n\n[haproxy]\n`;
  if (section === "service") {
    const name = key === "name" ? "" : 'name = "web"\n';
    return `${extra}[[service]]\n${name}${key} = ${value}\n`;
  }
  if (section === "template") {
    const src = key === "src" ? "" : 'src = "a.liquid"\n';
    const dest = key === "dest" ? "" : 'dest = "/tmp/a.conf"\n';
    return `${extra}[[template]]\n${src}${dest}${key} = ${value}\n`;
  }
  return `${extra}\n[${section}]\n${key} = ${value}\n`;
}

describe("durations a timer cannot hold", () => {
  const durations = listFields().filter(({ spec }) => spec.kind === "duration");

  test("the table has duration fields to check", () => {
    expect(durations.length).toBeGreaterThan(5);
  });

  for (const { section, key } of durations) {
    test(`${section}.${key} = "720h" is refused, naming the field and the limit`, () => {
      const message = errorFor(fileSetting(section, key, '"720h"'));
      expect(message).toMatch(startOfMessage(section, key));
      expect(message).toContain(`at most ${MAX_TIMER_MS}ms`);
    });
  }

  test("the longest duration a timer holds is accepted", () => {
    const config = parseConfigText(`[etcd]\nresync_interval = "${MAX_TIMER_MS}ms"\n`, FILE);
    expect(config.etcd.resyncIntervalMs).toBe(MAX_TIMER_MS);
    expect(errorFor(`[etcd]\nresync_interval = "${MAX_TIMER_MS + 1}ms"\n`)).toContain(
      "etcd.resync_interval: must be at most 2147483647ms",
    );
  });
});

describe("host:port fields", () => {
  const fields: [string, string][] = [
    ["haproxy", "bind"],
    ["haproxy", "stats_bind"],
    ["admin", "listen"],
  ];
  for (const [section, key] of fields) {
    for (const value of ["127.0.0.1:99999", "127.0.0.1:0", "127.0.0.1:65536", "a b:80", "x:"]) {
      test(`${section}.${key} = "${value}" is refused`, () => {
        expect(errorFor(fileSetting(section, key, JSON.stringify(value)))).toMatch(
          startOfMessage(section, key),
        );
      });
    }
    for (const value of ["127.0.0.1:65535", "[::1]:8080", "localhost:1"]) {
      test(`${section}.${key} = "${value}" is accepted`, () => {
        expect(() =>
          parseConfigText(fileSetting(section, key, JSON.stringify(value)), FILE),
        ).not.toThrow();
      });
    }
  }

  test("the admin port out of range names the line, the field and the range", () => {
    expect(errorFor('[admin]\nlisten = "127.0.0.1:99999"\n')).toBe(
      `${FILE}:2: admin.listen: the port must be from 1 to 65535, got "127.0.0.1:99999"`,
    );
  });
});

describe("strings that could break a haproxy.cfg line", () => {
  const strings = listFields().filter(
    ({ spec }) => spec.kind === "string" || spec.kind === "path" || spec.kind === "choice",
  );
  for (const { section, key } of strings) {
    test(`a line break in ${section}.${key} is refused, naming the field`, () => {
      const message = errorFor(fileSetting(section, key, '"a\\nstats socket /tmp/x"'));
      expect(message).toMatch(startOfMessage(section, key));
    });
  }

  test("a control character in an array of strings is refused", () => {
    expect(errorFor('[etcd]\nendpoints = ["http://127.0.0.1:2379\\u0000"]\n')).toContain(
      "etcd.endpoints: must not contain control characters",
    );
  });

  const paths = listFields().filter(({ spec }) => spec.kind === "path");
  const rendered = paths.filter(({ spec }) => spec.kind === "path" && spec.rendered);
  test("the paths written into haproxy.cfg are state_dir, config and runtime_dir", () => {
    expect(rendered.map(({ section, key }) => `${section}.${key}`).sort()).toEqual([
      ".state_dir",
      "haproxy.config",
      "haproxy.runtime_dir",
    ]);
  });
  for (const { section, key } of paths.filter((field) => !rendered.includes(field))) {
    test(`${section}.${key} = "/run/my dir#1" is accepted: it is never written into haproxy.cfg`, () => {
      // Some need a companion field (cert_file needs key_file): only the path rule matters here.
      let message = "";
      try {
        parseConfigText(fileSetting(section, key, '"/run/my dir#1"'), FILE);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toContain("must not contain whitespace");
    });
  }
  for (const { section, key } of rendered) {
    for (const bad of [
      "/run/my dir",
      "/run/a#b",
      '/run/"x"',
      "/run/a\\b",
      "/run/a'b",
      "/run/\tx",
    ]) {
      test(`${section}.${key} = ${JSON.stringify(bad)} is refused`, () => {
        expect(errorFor(fileSetting(section, key, JSON.stringify(bad)))).toMatch(
          startOfMessage(section, key),
        );
      });
    }
  }

  test("a runtime_dir with a line break names the line and the field", () => {
    const message = errorFor(
      '[haproxy]\nruntime_dir = "/tmp/x/evil.sock mode 666 level admin\\nstats socket /tmp/x"\n',
    );
    expect(message).toStartWith(`${FILE}:2: haproxy.runtime_dir: must not contain`);
  });

  test("paths the default template renders keep their shape when they are ordinary", () => {
    const config = parseConfigText(
      '[haproxy]\nruntime_dir = "/run/sluice-1.2_x@y+z"\nconfig = "/var/lib/sluice/haproxy.cfg"\n',
      FILE,
    );
    expect(config.haproxy!.runtimeDir).toBe("/run/sluice-1.2_x@y+z");
  });

  test("the default template renders every path and bind unquoted (why the grammar is strict)", () => {
    for (const name of ["stats_socket", "server_state_file", "stats_bind", "bind", "cookie_key"]) {
      expect(DEFAULT_TEMPLATE).toContain(`{{ haproxy.${name} }}`);
    }
  });

  test("a relative runtime_dir is checked as resolved: a config directory with a space is refused", () => {
    expect(() =>
      parseConfigText('[haproxy]\nruntime_dir = "run"\n', "/etc/my sluice/sluice.toml"),
    ).toThrow("haproxy.runtime_dir: must not contain whitespace");
  });
});

describe("unix socket paths", () => {
  test('admin.socket = "" disables the socket instead of naming the config directory', () => {
    expect(parseConfigText('[admin]\nsocket = ""\n', FILE).admin.socket).toBe("");
  });

  test("an admin socket path too long to bind is refused, naming the field", () => {
    const long = `/run/${"s".repeat(110)}.sock`;
    expect(errorFor(`[admin]\nsocket = "${long}"\n`)).toStartWith(
      `${FILE}:2: admin.socket: ${long} is 120 bytes, longer than a unix socket path may be (107)`,
    );
  });

  test("a runtime_dir whose sockets are too long to bind is refused, naming the field", () => {
    const message = errorFor(`[haproxy]\nruntime_dir = "/run/${"d".repeat(90)}"\n`);
    expect(message).toStartWith(`${FILE}:2: haproxy.runtime_dir: `);
    expect(message).toContain("haproxy-master.sock is 115 bytes");
  });
});
