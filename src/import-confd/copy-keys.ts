// Wires `--copy-v2-keys`: the v2 endpoints (confd's nodes or --v2-endpoint), the v3 target (the
// written [etcd], or --etcd), the copy itself (copy-v2.ts), and its report lines.

import { parseConfigText } from "../config/load.ts";
import type { EtcdConfig } from "../config/schema.ts";
import { putV3Keys, readV2Keys } from "./copy-v2.ts";
import type { ImportPlan } from "./plan.ts";
import type { Report } from "./report.ts";
import type { ImportOptions } from "./run.ts";

/** `[etcd]` as written by the import (defaults for the rest), endpoints from --etcd if given. */
function v3Target(plan: ImportPlan, options: ImportOptions, passwordPath: string): EtcdConfig {
  const defaults = parseConfigText("", "sluice.toml").etcd;
  const written = plan.settings.etcd;
  return {
    ...defaults,
    endpoints: options.etcdEndpoints ?? written.endpoints,
    username: written.username,
    passwordFile: written.password === undefined ? undefined : passwordPath,
    caFile: written.caFile,
    certFile: written.certFile,
    keyFile: written.keyFile,
  };
}

/** Copies every v2 key under the resources' keys into v3, reporting into `report`. */
export async function copyV2Keys(
  plan: ImportPlan,
  options: ImportOptions,
  passwordPath: string,
  report: Report,
): Promise<void> {
  const v2 = options.v2Endpoints ?? plan.settings.etcd.endpoints;
  const target = v3Target(plan, options, passwordPath);
  const where = `copy-v2-keys ${v2.join(",")} → ${target.endpoints.join(",")}`;
  const keys = await readV2Keys(v2, plan.keyPrefixes);
  const result = await putV3Keys(keys, target, options.overwrite);
  report.add(
    where,
    undefined,
    "note",
    `copied ${result.copied} of ${result.read} v2 key(s) under ${plan.keyPrefixes.join(", ")} into v3 (${result.same} already there with the same value)`,
  );
  for (const conflict of result.conflicts) {
    const values = `v2 ${JSON.stringify(conflict.v2)}, v3 ${JSON.stringify(conflict.v3)}`;
    if (conflict.overwritten)
      report.add(
        where,
        undefined,
        "note",
        `${conflict.key}: v3 held another value, overwritten (--overwrite): ${values}`,
      );
    else
      report.add(
        where,
        undefined,
        "problem",
        `${conflict.key}: v3 holds another value, left as it is (give --overwrite to replace it): ${values}`,
      );
  }
}
