// haproxy.cfg has one writer: the file catching up after a runtime update and a forced reload
// that is being checked never write through the same staged file at the same time.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

let etcd: TestEtcd;
let sluice: TestSluice;
let wrapperDir = "";
const backends: TestBackend[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
  // `haproxy -c` slowed to 300 ms: a check is then sure to be running when the config file
  // follows a runtime update (at most 50 ms after it).
  wrapperDir = mkdtempSync(join(tmpdir(), "sluice-slow-check-"));
  const wrapper = join(wrapperDir, "haproxy");
  writeFileSync(
    wrapper,
    '#!/bin/sh\nfor arg in "$@"; do [ "$arg" = "-c" ] && sleep 0.3; done\nexec /usr/sbin/haproxy "$@"\n',
  );
  chmodSync(wrapper, 0o755);
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    haproxyToml: `binary = "${wrapper}"\nspare_slots = 16`,
    extraToml: '[[service]]\nname = "web"\nbalance = "roundrobin"\n',
  });
  for (const name of ["a", "b"]) {
    const backend = startBackend(name);
    backends.push(backend);
    const put = await etcd.client.put(`/apps/web/${name}`).value(`${name} ${backend.address}`);
    await sluice.waitApplied(put.header.revision, 10_000);
  }
});

afterAll(async () => {
  await sluice?.stop();
  for (const backend of backends) backend.stop();
  await etcd?.stop();
  if (wrapperDir) rmSync(wrapperDir, { recursive: true, force: true });
});

test("a forced reload right after a runtime update keeps both, with no failed apply", async () => {
  let revision = 0;
  for (let round = 0; round < 4; round++) {
    const name = `r${round}`;
    const backend = startBackend(name);
    backends.push(backend);
    const put = await etcd.client.put(`/apps/web/${name}`).value(`${name} ${backend.address}`);
    revision = Number(put.header.revision);
    // Routed through the runtime API; the config file follows within 50 ms.
    await waitFor(
      `runtime update of ${name}`,
      async () => (await sluice.status()).apply.revision >= revision,
      5000,
      5,
    );
    const response = await sluice.reload();
    const body: unknown = await response.json();
    expect(body).toEqual({ ok: true, outcome: "reloaded" });
  }
  const status = await sluice.waitApplied(revision, 10_000);
  expect(status.apply.last_error).toBeNull();
  const config = readFileSync(sluice.renderedFile, "utf8");
  for (let round = 0; round < 4; round++) expect(config).toContain(backends[round + 2]!.address);
  expect(sluice.log()).not.toContain("ENOENT");
});
