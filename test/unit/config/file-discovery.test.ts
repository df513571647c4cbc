import { describe, expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import { createDiscovery } from "../../../src/discovery/create.ts";
import { ConfigError } from "../../../src/errors.ts";
import { createLogger } from "../../../src/log.ts";

const FILE = "/etc/sluice/sluice.toml";

/** The ConfigError `text` gives. */
function errorOf(text: string): ConfigError {
  try {
    parseConfigText(text, FILE);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for:\n${text}`);
}

describe("discovery and [file]", () => {
  test("discovery is etcd by default, with no key file", () => {
    const config = parseConfigText("", FILE);
    expect(config.discovery).toBe("etcd");
    expect(config.fileDiscovery).toBeUndefined();
  });

  test('discovery = "file" reads [file] path, relative to the config file\'s directory', () => {
    const config = parseConfigText('discovery = "file"\n\n[file]\npath = "keys.yaml"\n', FILE);
    expect(config.discovery).toBe("file");
    expect(config.fileDiscovery).toEqual({ path: "/etc/sluice/keys.yaml" });
    const absolute = parseConfigText('discovery = "file"\n[file]\npath = "/srv/k.json"\n', FILE);
    expect(absolute.fileDiscovery).toEqual({ path: "/srv/k.json" });
  });

  test("a [file] section with etcd discovery is checked but not used", () => {
    const config = parseConfigText('[file]\npath = "keys.toml"\n', FILE);
    expect(config.fileDiscovery).toBeUndefined();
    expect(errorOf('[file]\npath = "keys.toml"\nwatch = true\n').message).toBe(
      `${FILE}:3: file.watch: unknown field`,
    );
  });

  const errors: [string, string, string][] = [
    [
      "without [file]",
      'state_dir = "/tmp/s"\ndiscovery = "file"\n',
      `${FILE}:2: discovery: is "file": needs a [file] section with path = "keys.yaml" (file.path)`,
    ],
    [
      "without path",
      'discovery = "file"\n\n[file]\n',
      `${FILE}:3: file.path: is required when discovery = "file"`,
    ],
    [
      "with an extension it cannot read",
      'discovery = "file"\n[file]\npath = "keys.ini"\n',
      `${FILE}:3: file.path: must end in .json, .yaml, .yml or .toml, got "/etc/sluice/keys.ini"`,
    ],
    [
      "with an unknown field",
      'discovery = "file"\n[file]\npath = "keys.yaml"\nprefix = "/apps"\n',
      `${FILE}:4: file.prefix: unknown field`,
    ],
    [
      "with another source",
      'discovery = "consul"\n',
      `${FILE}:1: discovery: must be one of "etcd", "file", got "consul"`,
    ],
    [
      "with a path that is not a string",
      'discovery = "file"\n[file]\npath = 3\n',
      `${FILE}:3: file.path: must be a string, got number 3`,
    ],
  ];
  for (const [what, text, message] of errors) {
    test(`discovery = "file" ${what} names the line and the field`, () => {
      expect(errorOf(text).message).toBe(message);
    });
  }

  test("with file discovery the removal election's prefix check is not made (no etcd to elect on)", () => {
    const text = '[etcd]\nprefix = "/"\n[haproxy]\n';
    expect(() => parseConfigText(text, FILE)).toThrow(ConfigError);
    const fileText = `discovery = "file"\n[file]\npath = "k.yaml"\n${text}`;
    expect(parseConfigText(fileText, FILE).etcd.prefix).toBe("/");
  });
});

describe("createDiscovery", () => {
  const log = createLogger(() => {});

  test("file discovery reads the key file, and reports it as its endpoint", () => {
    const config = parseConfigText(
      'discovery = "file"\n[file]\npath = "/nonexistent/k.yaml"\n',
      FILE,
    );
    const discovery = createDiscovery(config, log);
    expect(discovery.state().endpoint).toBe("file:/nonexistent/k.yaml");
  });

  test("etcd discovery is the default", () => {
    const discovery = createDiscovery(parseConfigText("", FILE), log);
    expect(discovery.state().endpoint).toBeUndefined();
    expect(discovery.state().state).toBe("idle");
  });
});
