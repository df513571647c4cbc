// The I/O edge of `lbctl import-confd`: reads the confdir (and unit files), plans the import,
// writes sluice.toml, the templates and the password file, copies v2 keys when asked, and prints
// the report. Exit code: 0 when everything converted exactly, 1 when the report has a problem.

import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Io } from "../cli/command-kit.ts";
import { ConfigError } from "../errors.ts";
import {
  type ConfdSource,
  type Convert,
  type ImportPlan,
  PASSWORD_FILE,
  planImport,
} from "./plan.ts";
import {
  createReport,
  formatReport,
  orderItems,
  type ReportItem,
  reportExitCode,
} from "./report.ts";
import type { IdLookup } from "./resource.ts";

/** What the command line asked for. */
export type ImportOptions = {
  dir: string;
  out: string;
  units: string[];
  json: boolean;
  force: boolean;
  copyV2Keys: boolean;
  /** v2 endpoints to copy from; default confd.toml's nodes. */
  v2Endpoints?: string[];
  /** v3 endpoints to copy into; default the written [etcd] endpoints. */
  etcdEndpoints?: string[];
  overwrite: boolean;
};

function readText(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

/** Names to ids from this host's /etc/passwd and /etc/group. */
function hostIdLookup(): IdLookup {
  const table = (path: string) =>
    new Map(
      (readText(path) ?? "")
        .split("\n")
        .map((line) => line.split(":"))
        .filter((fields) => fields.length > 2)
        .map((fields) => [fields[0]!, Number(fields[2])] as const),
    );
  const users = table("/etc/passwd");
  const groups = table("/etc/group");
  return (kind, name) => (kind === "user" ? users : groups).get(name);
}

/** Reads the confdir; a missing conf.d is an error naming it. */
function readSource(options: ImportOptions): ConfdSource {
  const confDir = join(options.dir, "conf.d");
  if (!existsSync(confDir))
    throw new ConfigError(`${confDir}: no such directory (confd's template resources live there)`);
  const confdFile = join(options.dir, "confd.toml");
  const resources = readdirSync(confDir)
    .filter((name) => name.endsWith(".toml"))
    .sort()
    .map((name) => ({
      file: join(confDir, name),
      text: readFileSync(join(confDir, name), "utf8"),
    }));
  const units = options.units.map((file) => {
    const text = readText(file);
    if (text === undefined) throw new ConfigError(`${file}: no such unit file (--units)`);
    return { file, text };
  });
  return {
    dir: options.dir,
    confdFile,
    confdToml: readText(confdFile),
    resources,
    template: (src) => {
      const file = join(options.dir, "templates", src);
      return { file, text: readText(file) };
    },
    units,
    lookupId: hostIdLookup(),
  };
}

function writeOutput(plan: ImportPlan, options: ImportOptions): void {
  const target = join(options.out, "sluice.toml");
  if (existsSync(target) && !options.force)
    throw new ConfigError(`${target} exists: give --force to overwrite it`);
  for (const file of plan.files) {
    const path = join(options.out, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.text, { mode: file.mode ?? 0o644 });
    // The mode given to writeFileSync applies only to a new file (--force over an old one).
    chmodSync(path, file.mode ?? 0o644);
  }
}

/** Contract 2's converter, loaded when the command runs. */
async function loadConverter(): Promise<Convert> {
  // A static specifier, so the compiled executable bundles it. src/gotemplate/convert.ts comes
  // from the converter's branch; until it is merged this line has no module to check against.
  // biome-ignore lint/suspicious/noTsIgnore: ts-expect-error would fail once the module exists
  // @ts-ignore: remove once src/gotemplate/convert.ts is on this branch
  const module: { convertGoTemplate: Convert } = await import("../gotemplate/convert.ts");
  return module.convertGoTemplate;
}

/** Copies the v2 keys and reports what it did. */
async function copyKeys(plan: ImportPlan, options: ImportOptions): Promise<ReportItem[]> {
  const { copyV2Keys } = await import("./copy-keys.ts");
  const report = createReport();
  await copyV2Keys(plan, options, resolve(options.out, PASSWORD_FILE), report);
  return report.items;
}

/** Runs the import; returns the exit code. `convert` defaults to src/gotemplate/convert.ts. */
export async function runImport(
  options: ImportOptions,
  io: Io,
  convert?: Convert,
): Promise<number> {
  const source = readSource(options);
  const plan = planImport(source, convert ?? (await loadConverter()));
  writeOutput(plan, options);
  const items = orderItems([
    ...plan.report,
    ...(options.copyV2Keys ? await copyKeys(plan, options) : []),
  ]);
  const code = reportExitCode(items);
  if (options.json) {
    const files = plan.files.map((file) => join(options.out, file.path));
    io.out(`${JSON.stringify({ ok: code === 0, out: options.out, files, items }, null, 2)}\n`);
  } else io.out(formatReport(items));
  return code;
}
