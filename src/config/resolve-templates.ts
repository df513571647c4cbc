// Resolves the `[[template]]` tables (confd-style resources) and `haproxy.trusted_prefixes`.

import { isAbsolute } from "node:path";
import { ConfigError } from "../errors.ts";
import { type HAPROXY_FIELDS, TEMPLATE_FIELDS } from "./defaults.ts";
import { FieldReader, type Table } from "./field-reader.ts";
import type { SluiceConfig, TemplateResource } from "./schema.ts";
import type { ResolveContext } from "./section-reader.ts";

/** Octal modes as confd writes them: "644", "0644", "0755", "1777". */
const MODE_PATTERN = /^[0-7]{3,4}$/;

/** `haproxy.trusted_prefixes`: key prefixes, each starting with `/`. */
export function resolveTrustedPrefixes(
  haproxyFields: FieldReader<typeof HAPROXY_FIELDS>,
): string[] {
  const prefixes = haproxyFields.strings("trusted_prefixes");
  for (const prefix of prefixes) {
    haproxyFields.check(
      "trusted_prefixes",
      prefix.startsWith("/"),
      `"${prefix}" must start with "/"`,
    );
  }
  return prefixes;
}

/** Every `[[template]]` of the file in `context`, in order; throws naming file:line and field. */
export function resolveTemplates(context: ResolveContext): TemplateResource[] {
  const value = context.root.template;
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== "object")) {
    throw new ConfigError(
      `${context.locate("", "template")}: template: must be an array of tables ([[template]])`,
    );
  }
  const seen = new Set<string>();
  return value.map((entry: Table, occurrence) => {
    const place = {
      section: "template",
      locate: context.locate,
      occurrence,
      baseDir: context.baseDir,
    };
    const fields = new FieldReader(entry, TEMPLATE_FIELDS, place);
    const resource = resolveTemplate(fields, entry);
    fields.check(
      "dest",
      !seen.has(resource.dest),
      `"${resource.dest}" is written by two templates`,
    );
    seen.add(resource.dest);
    fields.rejectUnknown();
    return resource;
  });
}

function resolveTemplate(
  fields: FieldReader<typeof TEMPLATE_FIELDS>,
  entry: Table,
): TemplateResource {
  fields.check(
    "src",
    entry.src !== undefined && entry.src !== "",
    'is required (src = "x.liquid")',
  );
  fields.check("dest", entry.dest !== undefined && entry.dest !== "", "is required");
  const dest = fields.string("dest");
  fields.check("dest", isAbsolute(dest), `must be an absolute path, got "${dest}"`);
  const prefix = fields.string("prefix");
  fields.check(
    "prefix",
    prefix === "" || prefix.startsWith("/"),
    `must start with "/", got "${prefix}"`,
  );
  const keys = fields.strings("keys");
  for (const key of keys) {
    fields.check("keys", `${prefix}${key}`.startsWith("/"), `"${key}" must start with "/"`);
  }
  return {
    src: fields.optionalPath("src")!,
    dest,
    keys,
    prefix,
    mode: readMode(fields),
    uid: fields.integer("uid"),
    gid: fields.integer("gid"),
    checkCmd: fields.string("check_cmd"),
    reloadCmd: fields.string("reload_cmd"),
    checkTimeoutMs: fields.duration("check_timeout"),
    reloadTimeoutMs: fields.duration("reload_timeout"),
  };
}

/** `mode` as a number; unset when absent. */
function readMode(fields: FieldReader<typeof TEMPLATE_FIELDS>): number | undefined {
  const text = fields.optionalString("mode");
  if (text === undefined) return undefined;
  fields.check(
    "mode",
    MODE_PATTERN.test(text),
    `must be an octal file mode such as "0644", got "${text}"`,
  );
  return Number.parseInt(text, 8);
}

/**
 * What `sluice serve` (and `--once`, `check`) needs: `[haproxy]`, or at least one `[[template]]`.
 * Throws a ConfigError that says what to add.
 */
export function requireSomethingToServe(config: SluiceConfig): void {
  if (config.haproxy !== undefined || config.templates.length > 0) return;
  throw new ConfigError(
    `${config.file}: nothing to serve: add a [haproxy] section to run HAProxy, or one or more ` +
      '[[template]] tables (src = "app.conf.liquid", dest = "/etc/app/app.conf", keys = ["/app"]) ' +
      "to render files from etcd",
  );
}
