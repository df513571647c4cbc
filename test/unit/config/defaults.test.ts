import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FIELDS } from "../../../src/config/defaults.ts";
import { expandPlaceholders, type FieldSpec, formatToml } from "../../../src/config/field-spec.ts";
import { loadConfig, parseConfigText } from "../../../src/config/load.ts";
import { listFields } from "../../../src/config/settings.ts";

const ROOT = join(import.meta.dir, "../../..");

type TomlRow = { section: string; key: string; rest: string; line: string };

/**
 * The `key = value` lines of TOML `text`, commented out or not, under the section they sit in
 * (a commented `# [[service]]` header opens a section too).
 */
function tomlRows(text: string): TomlRow[] {
  const rows: TomlRow[] = [];
  let current = "";
  for (const line of text.split("\n")) {
    const header = /^(?:#\s*)?\[\[?([a-z_]+)\]\]?/.exec(line);
    if (header) current = header[1]!;
    const row = /^(?:#\s*)?([a-z_]+) = (.*)$/.exec(line);
    if (!header && row) rows.push({ section: current, key: row[1]!, rest: row[2]!, line });
  }
  return rows;
}

/** The TOML block of README's configuration section, as rows. */
function readmeRows(): TomlRow[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Configuration"));
  return tomlRows(/```toml\n([\s\S]*?)```/.exec(section)?.[1] ?? "");
}

/** The default config the RPM installs as /etc/sluice/sluice.toml. */
const PACKAGED_CONFIG = join(ROOT, "packaging/sluice.toml");

/** Every default that is a string, by key, to fill `<state_dir>`-style placeholders. */
function defaultValues(): Record<string, string> {
  const values: Record<string, string> = {};
  for (const { key, spec } of listFields()) {
    if (typeof spec.default === "string") values[key] = spec.default;
  }
  return values;
}

/** The default as README writes it: placeholders filled with the other defaults. */
function readmeDefault(spec: FieldSpec): string | undefined {
  if (spec.default === undefined) return undefined;
  if (typeof spec.default !== "string") return formatToml(spec.default);
  return formatToml(expandPlaceholders(spec.default, defaultValues()));
}

/** The doc comment of `property` in `export type typeName = { ... }` of schema.ts. */
function schemaDoc(typeName: string, property: string): string | undefined {
  const schema = readFileSync(join(ROOT, "src/config/schema.ts"), "utf8");
  const start = schema.indexOf(`export type ${typeName} = {`);
  const body = schema.slice(start, schema.indexOf("\n};", start));
  const pattern = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*\\n\\s*${property}\\??:`);
  return pattern.exec(body)?.[1]?.replace(/\s*\n\s*\*?/g, " ");
}

const SCHEMA_TYPES: Record<string, string> = {
  "": "SluiceConfig",
  etcd: "EtcdConfig",
  haproxy: "HaproxyConfig",
  apply: "ApplyConfig",
  admin: "AdminConfig",
  health: "HealthConfig",
  service: "ServiceOverride",
  template: "TemplateResource",
  file: "FileConfig",
};

/** The SluiceConfig property of a field: camelCase, and `Ms` for durations. */
function propertyOf(key: string, spec: FieldSpec): string {
  const camel = key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
  return spec.kind === "duration" ? `${camel}Ms` : camel;
}

describe("the defaults table", () => {
  test("README's configuration section has a row for every field, with its default", () => {
    const rows = readmeRows();
    for (const { section, key, spec } of listFields()) {
      const row = rows.find((candidate) => candidate.section === section && candidate.key === key);
      expect(row, `README has no row for ${section}.${key}`).toBeDefined();
      const expected = readmeDefault(spec);
      if (expected === undefined) continue;
      expect(row!.line.startsWith("#"), `${row!.line} is commented out`).toBe(false);
      expect(`${row!.rest} `.startsWith(`${expected} `), `${row!.line}: default ${expected}`).toBe(
        true,
      );
    }
  });

  test("README's configuration section lists no field the table does not know", () => {
    for (const { section, key } of readmeRows()) {
      const fields = FIELDS[section as keyof typeof FIELDS] as Record<string, unknown> | undefined;
      expect(fields?.[key], `README lists ${section}.${key}`).toBeDefined();
    }
  });

  test("schema.ts documents every field, and its Default matches the table", () => {
    for (const { section, key, spec } of listFields()) {
      const doc = schemaDoc(SCHEMA_TYPES[section]!, propertyOf(key, spec));
      expect(doc, `schema.ts has no doc comment for ${section}.${key}`).toBeDefined();
      const written = /Default `([^`]*)`/.exec(doc!)?.[1];
      if (spec.default === undefined) {
        expect(written, `${section}.${key} has no default`).toBeUndefined();
      } else {
        expect(written, `schema.ts: ${section}.${key}`).toBe(formatToml(spec.default));
      }
    }
  });

  test("an empty file resolves to the table's defaults", () => {
    const config = parseConfigText("[haproxy]\n", "/etc/sluice/sluice.toml");
    expect(config.etcd.endpoints).toEqual([...FIELDS.etcd.endpoints.default]);
    expect(config.haproxy!.maxOldWorkers).toBe(FIELDS.haproxy.max_old_workers.default);
    expect(config.haproxy!.reload).toBe(FIELDS.haproxy.reload.default);
    expect(config.apply.runtimeApi).toBe(FIELDS.apply.runtime_api.default);
    expect(config.admin.listen).toBe(FIELDS.admin.listen.default);
  });

  test("a bound in the table is the bound resolve enforces", () => {
    const { minimum, maximum } = FIELDS.apply.max_drop_percent;
    expect(() => parseConfigText(`[apply]\nmax_drop_percent = ${maximum + 1}\n`, "x.toml")).toThrow(
      `must be an integer from ${minimum} to ${maximum}`,
    );
    const { minimumMs } = FIELDS.etcd.keepalive;
    expect(() => parseConfigText('[etcd]\nkeepalive = "999ms"\n', "x.toml")).toThrow(
      `must be at least ${minimumMs}ms`,
    );
  });
});

describe("the packaged sluice.toml", () => {
  const rows = tomlRows(readFileSync(PACKAGED_CONFIG, "utf8"));

  test("lists every field with its default, and comments out those without one", () => {
    for (const { section, key, spec } of listFields()) {
      const matching = rows.filter((row) => row.section === section && row.key === key);
      expect(matching.length, `packaging/sluice.toml: one row for ${section}.${key}`).toBe(1);
      const row = matching[0]!;
      const expected = readmeDefault(spec);
      // A [[service]] or [[template]] table is one: the example stays commented out, defaults and all.
      const commented = expected === undefined || section === "service" || section === "template";
      expect(row.line.startsWith("#"), `${row.line}: commented out`).toBe(commented);
      if (expected === undefined) continue;
      expect(`${row.rest} `.startsWith(`${expected} `), `${row.line}: default ${expected}`).toBe(
        true,
      );
    }
  });

  test("lists no field the table does not know", () => {
    for (const { section, key } of rows) {
      const fields = FIELDS[section as keyof typeof FIELDS] as Record<string, unknown> | undefined;
      expect(fields?.[key], `packaging/sluice.toml lists ${section}.${key}`).toBeDefined();
    }
  });

  test("loads to exactly the config of an empty file", () => {
    const packaged = loadConfig(PACKAGED_CONFIG);
    expect(packaged).toEqual(parseConfigText("[haproxy]\n", PACKAGED_CONFIG));
    expect(packaged.etcd.endpoints).toEqual(["http://127.0.0.1:2379"]);
    expect(packaged.etcd.prefix).toBe("/apps/");
  });
});
