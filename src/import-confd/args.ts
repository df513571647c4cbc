// The command line of `lbctl import-confd` → ImportOptions; mistakes are usage errors (exit 2).

import { type ParsedArgs, UsageError } from "../cli/args.ts";
import type { ImportOptions } from "./run.ts";

/** confd's default confdir. */
export const DEFAULT_CONFD_DIR = "/etc/confd";

function urls(text: string | true | undefined, flag: string): string[] | undefined {
  if (typeof text !== "string") return undefined;
  const list = text.split(",").filter((url) => url !== "");
  for (const url of list) {
    if (!/^https?:\/\/[^/]/.test(url))
      throw new UsageError(`--${flag}: "${url}" is not a URL such as http://127.0.0.1:2379`);
  }
  if (list.length === 0) throw new UsageError(`--${flag} needs at least one URL`);
  return list;
}

/** Reads the flags; `--out` is required, DIR defaults to /etc/confd. */
export function importArgs(args: ParsedArgs): ImportOptions {
  if (args.positionals.length > 1)
    throw new UsageError(`unexpected argument "${args.positionals[1]}"`);
  const out = args.flags.get("out");
  if (typeof out !== "string" || out === "")
    throw new UsageError("--out DIR is required (where sluice.toml and templates/ go)");
  const copyV2Keys = args.flags.get("copy-v2-keys") === true;
  for (const flag of ["v2-endpoint", "etcd", "overwrite"]) {
    if (!copyV2Keys && args.flags.has(flag))
      throw new UsageError(`--${flag} goes with --copy-v2-keys`);
  }
  const options: ImportOptions = {
    dir: args.positionals[0] ?? DEFAULT_CONFD_DIR,
    out,
    units: args.lists.get("units") ?? [],
    json: args.flags.get("json") === true,
    force: args.flags.get("force") === true,
    copyV2Keys,
    overwrite: args.flags.get("overwrite") === true,
  };
  const v2 = urls(args.flags.get("v2-endpoint"), "v2-endpoint");
  if (v2) options.v2Endpoints = v2;
  const etcd = urls(args.flags.get("etcd"), "etcd");
  if (etcd) options.etcdEndpoints = etcd;
  return options;
}
