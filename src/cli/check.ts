// `lbctl check`: config, template and `haproxy -c`, offline (etcd is not asked).

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConfigFile } from "../apply/config-file.ts";
import { loadConfigWithSettings } from "../config/load.ts";
import type { SluiceConfig } from "../config/schema.ts";
import type { Setting } from "../config/settings.ts";
import { describeError, RenderError } from "../errors.ts";
import { createRenderPipeline, preflight } from "../pipeline.ts";
import { createRenderer } from "../render/render.ts";
import { resourceRenderLimits } from "../resources/resource-loop.ts";
import { checkFdLimit } from "./check-fd.ts";

/** What `lbctl check` found; printed as is by `--json`. */
export type CheckResult = {
  ok: boolean;
  /** What was checked, in order: the file, credential files, the `[[template]]` srcs, the
   * template, `haproxy -c`. */
  checked: string[];
  error?: string;
  /** How many of `settings` the file leaves at their default (once the file is valid). */
  defaults?: number;
  /** Every field's effective value, and whether it is the default (once the file is valid). */
  settings?: Setting[];
  /** What passed but needs attention: an open-file limit that lowers HAProxy's maxconn. */
  warnings?: string[];
};

/** Each `[[template]]` src read and parsed as Liquid, named in `checked`; throws naming src:line. */
function checkResources(config: SluiceConfig, checked: string[]): void {
  const renderer = createRenderer(resourceRenderLimits(config));
  for (const resource of config.templates) {
    let source: string;
    try {
      source = readFileSync(resource.src, "utf8");
    } catch (error) {
      throw new RenderError(`${resource.src}: cannot read template: ${describeError(error)}`);
    }
    renderer.parse(source, resource.src);
    checked.push(`[[template]] ${resource.src}`);
  }
}

/** Validates `file`, its credential files, the template, `haproxy -c` and every `[[template]]`
 * src, without etcd. */
export async function checkOffline(file: string): Promise<CheckResult> {
  const checked: string[] = [];
  try {
    const { config, settings } = loadConfigWithSettings(file);
    checked.push(file);
    // The same checks and render as `sluice serve`, with nothing started and etcd not asked.
    preflight(config);
    if (config.etcd.caFile || config.etcd.certFile || config.etcd.passwordFile) {
      checked.push("etcd credential files");
    }
    const report = {
      defaults: settings.filter((setting) => setting.default).length,
      settings,
    };
    checkResources(config, checked);
    if (!config.haproxy) return { ok: true, checked, ...report };
    const stagingDirectory = mkdtempSync(join(tmpdir(), "sluice-check-"));
    try {
      const path = join(stagingDirectory, "haproxy.cfg");
      // Rendered as if served from the staging directory, so the files the config names beside
      // itself (hosts.map) are the ones staged and checked with it.
      const pipeline = createRenderPipeline({
        ...config,
        haproxy: { ...config.haproxy, config: path },
      });
      const { text } = await pipeline.renderKeysSettled([], 0);
      checked.push(pipeline.template().name);
      await createConfigFile({ path, check: pipeline.check }).replaceChecked(text);
      checked.push("haproxy -c");
    } finally {
      rmSync(stagingDirectory, { recursive: true, force: true });
    }
    const fd = checkFdLimit(config);
    if (fd.error) return { ok: false, checked, error: fd.error };
    checked.push("the open-file limit");
    return { ok: true, checked, ...report, ...(fd.warning ? { warnings: [fd.warning] } : {}) };
  } catch (error) {
    return { ok: false, checked, error: describeError(error) };
  }
}

/** The human report of a successful check: what was checked, and what the file sets. */
export function formatCheck(result: CheckResult): string {
  const lines = [`ok: ${result.checked.join(", ")}`];
  if (result.settings) {
    const set = result.settings
      .filter((setting) => !setting.default)
      .map((setting) => setting.field);
    const listed = set.length > 0 ? `; set: ${set.join(", ")}` : "";
    lines.push(
      `defaults: ${result.defaults} of ${result.settings.length} fields at their default${listed}`,
    );
  }
  for (const warning of result.warnings ?? []) lines.push(`warning: ${warning}`);
  return `${lines.join("\n")}\n`;
}
