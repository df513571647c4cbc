// `lbctl render`: the template rendered to stdout from a snapshot file (the daemon's own in
// state_dir, or --snapshot FILE), offline: etcd is not asked and HAProxy is not run.

import { loadConfig } from "../config/load.ts";
import { SluiceError } from "../errors.ts";
import { countServers } from "../model/build.ts";
import { createRenderPipeline } from "../pipeline.ts";
import { readSnapshot, snapshotPath } from "../snapshot.ts";

/** What `lbctl render --json` prints; `config` is what `lbctl render` prints. */
export type RenderResult = {
  snapshot: string;
  revision: number;
  services: number;
  backends: number;
  rejected: { key: string; reason: string }[];
  config: string;
};

/** Renders `configFile`'s template from `snapshotFile`, else from the state_dir's snapshot. */
export async function renderOffline(
  configFile: string,
  snapshotFile: string | undefined,
): Promise<RenderResult> {
  const config = loadConfig(configFile);
  const path = snapshotFile ?? snapshotPath(config.stateDir);
  const snapshot = readSnapshot(path);
  if (!snapshot) {
    const hint = snapshotFile
      ? "it must be a snapshot.json as sluice saves it ({revision, savedAt, kvs: [{key, value}]})"
      : "sluice saves it in state_dir once it has read etcd; pass --snapshot FILE to use another";
    throw new SluiceError("config", `no readable snapshot at ${path}: ${hint}`);
  }
  const { model, text } = await createRenderPipeline(config).renderKeysSettled(
    snapshot.kvs,
    snapshot.revision,
  );
  return {
    snapshot: path,
    revision: snapshot.revision,
    services: model.services.length,
    backends: countServers(model),
    rejected: model.rejected.map(({ key, reason }) => ({ key, reason })),
    config: text,
  };
}
