// The whole import as a pure function: confd's files in, sluice.toml, Liquid templates, the
// password file and the report out. run.ts reads and writes the files.

import { type ConfdSettings, mapConfdSettings } from "./confd-settings.ts";
import { rewriteHaproxyTemplate } from "./haproxy-rewrite.ts";
import { createReport, type Report, type ReportItem } from "./report.ts";
import {
  type ConfdResource,
  findHaproxyResource,
  type IdLookup,
  joinKey,
  readResource,
  reloadsHaproxy,
} from "./resource.ts";
import { type TemplateSection, writeSluiceToml } from "./sluice-toml.ts";
import { parseToml } from "./toml.ts";
import { reportGenericMapping, reportUnit } from "./units.ts";

/** Contract 2's converter (src/gotemplate/convert.ts), injected. */
export type Conversion = {
  liquid: string;
  problems: { file: string; line: number; message: string }[];
};
export type Convert = (source: string, options: { file: string; keyPrefix?: string }) => Conversion;

/** A text file and the path it is named by in the report. */
export type NamedText = { file: string; text: string };

/** confd's files, as run.ts read them. */
export type ConfdSource = {
  /** The confdir, as given. */
  dir: string;
  /** Path of confd.toml, and its text (undefined: the file does not exist). */
  confdFile: string;
  confdToml: string | undefined;
  /** conf.d/*.toml, sorted by name. */
  resources: NamedText[];
  /** A template's path (for messages) and text (undefined: missing), by its `src`. */
  template(src: string): { file: string; text: string | undefined };
  /** Unit files given with --units. */
  units: NamedText[];
  lookupId: IdLookup;
};

/** A file to write, relative to the output directory. */
export type OutputFile = { path: string; text: string; mode?: number };

export type ImportPlan = {
  files: OutputFile[];
  report: ReportItem[];
  settings: ConfdSettings;
  /** Every resource's prefix + key: what --copy-v2-keys copies. */
  keyPrefixes: string[];
};

/** sluice's registration prefix (sluice.toml's default, which the import keeps). */
const SLUICE_PREFIX = "/apps/";
export const PASSWORD_FILE = "etcd.password";

/** The output name of a template: `templates/<src without .tmpl>.liquid`, unique. */
function outputName(src: string, taken: Set<string>): string {
  const base = `templates/${src.replace(/^\/+/, "").replace(/\.(tmpl|tpl|template|gotmpl)$/, "")}`;
  let name = `${base}.liquid`;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}.liquid`;
  taken.add(name);
  return name;
}

function readSettings(source: ConfdSource, report: Report): ConfdSettings {
  if (source.confdToml === undefined) {
    report.add(source.confdFile, undefined, "note", "no confd.toml: confd's defaults are used");
    return mapConfdSettings({}, "", source.confdFile, report);
  }
  const table = parseToml(source.confdToml, source.confdFile);
  return mapConfdSettings(table, source.confdToml, source.confdFile, report);
}

/** Converts one resource's template; undefined when it is missing. */
function convertTemplate(
  resource: ConfdResource,
  source: ConfdSource,
  convert: Convert,
  report: Report,
  main: boolean,
): string | undefined {
  const { file, text } = source.template(resource.src);
  if (text === undefined) {
    report.add(resource.file, resource.lineOf("src"), "problem", `src: ${file} does not exist`);
    return undefined;
  }
  // The main template's lookups see full keys, so confd's prefix goes into its key literals.
  const options = main && resource.prefix ? { file, keyPrefix: resource.prefix } : { file };
  const conversion = convert(text, options);
  for (const problem of conversion.problems) {
    report.add(problem.file, problem.line, "problem", problem.message);
  }
  return main ? rewriteHaproxyTemplate(conversion.liquid, file, report) : conversion.liquid;
}

function mainNotes(resource: ConfdResource, report: Report): void {
  const { file } = resource;
  if (resource.reloadCmd) {
    report.add(
      file,
      resource.lineOf("reload_cmd"),
      "note",
      `reload_cmd "${resource.reloadCmd}": replaced by sluice's own HAProxy supervision (runtime API, or a reload without dropped connections)`,
    );
  }
  if (resource.checkCmd) {
    report.add(
      file,
      resource.lineOf("check_cmd"),
      "note",
      `check_cmd "${resource.checkCmd}": not needed; sluice runs haproxy -c on every config before it is used`,
    );
  }
  report.add(
    file,
    resource.lineOf("dest"),
    "action",
    `dest ${resource.dest} is no longer written: sluice renders HAProxy's config into its state directory and runs HAProxy itself; disable HAProxy's own unit (systemctl disable --now confd haproxy) before starting sluice`,
  );
  for (const key of ["mode", "uid", "gid", "owner", "group"]) {
    const at = resource.lineOf(key);
    if (at !== undefined)
      report.add(file, at, "note", `${key}: not used; sluice owns its rendered HAProxy config`);
  }
}

/** A `[[template]]` section for a resource that is not HAProxy's config. */
function templateSection(
  resource: ConfdResource,
  src: string,
  settings: ConfdSettings,
  hasMain: boolean,
  report: Report,
): TemplateSection & { from: string } {
  const section: TemplateSection & { from: string } = {
    from: resource.file,
    src,
    dest: resource.dest,
    keys: resource.keys.map((key) => joinKey(key) || "/"),
    prefix: resource.prefix,
  };
  if (resource.mode) section.mode = resource.mode;
  if (resource.uid !== undefined) section.uid = resource.uid;
  if (resource.gid !== undefined) section.gid = resource.gid;
  if (!settings.syncOnly) {
    if (resource.checkCmd) section.checkCmd = resource.checkCmd;
    if (resource.reloadCmd) section.reloadCmd = resource.reloadCmd;
  }
  if (hasMain && section.reloadCmd && reloadsHaproxy(section.reloadCmd)) {
    report.add(
      resource.file,
      resource.lineOf("reload_cmd"),
      "note",
      `reload_cmd "${section.reloadCmd}" → "lbctl reload": sluice runs HAProxy, so it reloads it`,
    );
    section.reloadCmd = "lbctl reload";
  }
  return section;
}

/** Plans the import of `source`; throws ConfigError only for a file that is not TOML. */
export function planImport(source: ConfdSource, convert: Convert): ImportPlan {
  const report = createReport();
  const settings = readSettings(source, report);
  const resources = source.resources
    .map(({ file, text }) =>
      readResource(parseToml(text, file), text, file, settings.prefix, report, source.lookupId),
    )
    .filter((resource): resource is ConfdResource => resource !== undefined);
  if (resources.length === 0) {
    report.add(
      source.dir,
      undefined,
      "problem",
      "conf.d has no template resource: sluice needs [haproxy] or a [[template]]",
    );
  }
  const main = findHaproxyResource(resources);
  const taken = new Set<string>();
  const files: OutputFile[] = [];
  const templates: (TemplateSection & { from: string })[] = [];
  let haproxy: { template: string; trustedPrefixes: string[]; from: string } | undefined;
  for (const resource of resources) {
    const liquid = convertTemplate(resource, source, convert, report, resource === main);
    if (settings.backend === "etcd" && resource.keys.length > 0) {
      report.add(
        resource.file,
        resource.lineOf("keys"),
        "note",
        "keys: sluice sees every key that starts with each of these (as confd's etcdv3 backend did); confd's etcd v2 backend read each key and the keys below it only",
      );
    }
    if (liquid === undefined) continue;
    const name = outputName(resource.src, taken);
    files.push({ path: name, text: liquid });
    if (resource === main) {
      mainNotes(resource, report);
      haproxy = {
        template: name,
        trustedPrefixes: resource.keys.map((key) => joinKey(resource.prefix, key) || "/"),
        from: resource.file,
      };
    } else templates.push(templateSection(resource, name, settings, main !== undefined, report));
  }
  const keyPrefixes = resources.flatMap((resource) =>
    resource.keys.map((key) => joinKey(resource.prefix, key) || "/"),
  );
  if (source.units.length > 0) {
    for (const unit of source.units)
      reportUnit(unit.text, unit.file, SLUICE_PREFIX, keyPrefixes, report);
  } else if (settings.backend === "etcd") reportGenericMapping(source.confdFile, report);
  const passwordFile = settings.etcd.password === undefined ? undefined : PASSWORD_FILE;
  if (passwordFile)
    files.push({ path: passwordFile, text: `${settings.etcd.password}\n`, mode: 0o600 });
  const toml = writeSluiceToml({
    sourceDir: source.dir,
    settings,
    ...(passwordFile ? { passwordFile } : {}),
    ...(haproxy ? { haproxy } : {}),
    templates,
  });
  files.unshift({ path: "sluice.toml", text: toml });
  return { files, report: report.items, settings, keyPrefixes };
}
