// Writes the sluice.toml of an import: `[etcd]` (or `discovery = "file"`), `[haproxy]` for the
// resource that renders HAProxy's config, and one `[[template]]` per other resource. Pure.

import type { ConfdSettings } from "./confd-settings.ts";
import type { ConfdResource } from "./resource.ts";
import { tomlString, tomlStrings } from "./toml.ts";

/** One `[[template]]` section: a resource's fields, its template now the written `.liquid`. */
export type TemplateSection = Omit<ConfdResource, "file" | "lineOf">;

/** Everything sluice.toml gets. `passwordFile` is relative to sluice.toml. */
export type SluiceTomlPlan = {
  sourceDir: string;
  settings: ConfdSettings;
  passwordFile?: string;
  haproxy?: { template: string; trustedPrefixes: string[]; from: string };
  templates: (TemplateSection & { from: string })[];
};

function etcdSection(plan: SluiceTomlPlan): string[] {
  const { etcd } = plan.settings;
  const lines = ["[etcd]", `endpoints = ${tomlStrings(etcd.endpoints)}`];
  if (etcd.username) lines.push(`username = ${tomlString(etcd.username)}`);
  if (plan.passwordFile) lines.push(`password_file = ${tomlString(plan.passwordFile)}`);
  if (etcd.caFile) lines.push(`ca_file = ${tomlString(etcd.caFile)}`);
  if (etcd.certFile) lines.push(`cert_file = ${tomlString(etcd.certFile)}`);
  if (etcd.keyFile) lines.push(`key_file = ${tomlString(etcd.keyFile)}`);
  return lines;
}

function templateSection(section: TemplateSection & { from: string }): string[] {
  const lines = [
    `# from ${section.from}`,
    "[[template]]",
    `src = ${tomlString(section.src)}`,
    `dest = ${tomlString(section.dest)}`,
    `keys = ${tomlStrings(section.keys)}`,
  ];
  if (section.prefix) lines.push(`prefix = ${tomlString(section.prefix)}`);
  if (section.mode) lines.push(`mode = ${tomlString(section.mode)}`);
  if (section.uid !== undefined) lines.push(`uid = ${section.uid}`);
  if (section.gid !== undefined) lines.push(`gid = ${section.gid}`);
  if (section.checkCmd) lines.push(`check_cmd = ${tomlString(section.checkCmd)}`);
  if (section.reloadCmd) lines.push(`reload_cmd = ${tomlString(section.reloadCmd)}`);
  return lines;
}

/** The sluice.toml text. */
export function writeSluiceToml(plan: SluiceTomlPlan): string {
  const blocks: string[][] = [
    [`# Written by lbctl import-confd from ${plan.sourceDir}; see its report for what changed.`],
  ];
  const top: string[] = [];
  if (plan.settings.logLevel) top.push(`log_level = ${tomlString(plan.settings.logLevel)}`);
  if (plan.settings.filePath !== undefined) top.push('discovery = "file"');
  if (top.length > 0) blocks.push(top);
  if (plan.settings.filePath !== undefined) {
    blocks.push(["[file]", `path = ${tomlString(plan.settings.filePath)}`]);
  } else blocks.push(etcdSection(plan));
  if (plan.haproxy) {
    blocks.push([
      `# from ${plan.haproxy.from}: sluice renders HAProxy's config and supervises HAProxy`,
      "[haproxy]",
      `template = ${tomlString(plan.haproxy.template)}`,
      `trusted_prefixes = ${tomlStrings(plan.haproxy.trustedPrefixes)}`,
    ]);
  }
  for (const section of plan.templates) blocks.push(templateSection(section));
  return `${blocks.map((block) => block.join("\n")).join("\n\n")}\n`;
}
