// `lbctl check`: config, template and `haproxy -c`, offline (etcd is not asked).

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../config/load.ts";
import { readEtcdSecrets } from "../discovery/etcd-client.ts";
import { describeError } from "../errors.ts";
import { checkConfig } from "../haproxy/check.ts";
import { buildModel } from "../model/build.ts";
import { freshLayout } from "../model/layout.ts";
import { layoutOptions, loadTemplate, modelOptions, renderSettings } from "../pipeline.ts";
import { createRenderer } from "../render/render.ts";

export type CheckResult = { ok: boolean; checked: string[]; error?: string };

export async function checkOffline(file: string): Promise<CheckResult> {
  const checked: string[] = [];
  try {
    const config = loadConfig(file);
    checked.push(file);
    readEtcdSecrets(config.etcd);
    if (config.etcd.caFile || config.etcd.certFile || config.etcd.passwordFile) {
      checked.push("etcd credential files");
    }
    if (!config.haproxy) return { ok: true, checked };
    const model = buildModel([], modelOptions(config, 0));
    const { source, name } = loadTemplate(config.haproxy);
    const text = createRenderer().render(
      source,
      name,
      model,
      renderSettings(config.haproxy, model, name),
      freshLayout(model, layoutOptions(config)),
    );
    checked.push(name);
    const dir = mkdtempSync(join(tmpdir(), "sluice-check-"));
    try {
      const rendered = join(dir, "haproxy.cfg");
      writeFileSync(rendered, text);
      await checkConfig(config.haproxy.binary, rendered, config.haproxy.checkTimeoutMs);
      checked.push("haproxy -c");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return { ok: true, checked };
  } catch (error) {
    return { ok: false, checked, error: describeError(error) };
  }
}
