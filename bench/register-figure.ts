// The `lbctl register` figure of `make bench`: a backend registered by the compiled lbctl into a
// service that already exists, timed from spawning lbctl, and from the key appearing in etcd,
// to the first request the backend answers; then SIGTERM, timed to the backend leaving.

import { join } from "node:path";
import type { Etcd3 } from "etcd3";
import type { TestBackend } from "../test/helpers/backend.ts";
import { waitFor } from "../test/helpers/ports.ts";
import type { TestSluice } from "../test/helpers/sluice.ts";

const LBCTL = join(import.meta.dir, "..", "dist", "lbctl");

export type RegisterTimes = { fromSpawn: number[]; fromKey: number[]; stopToGone: number[] };

/**
 * When `key` first exists, as performance.now(), read by polling etcd every millisecond or so
 * (etcd3's watch does not start under Bun here); gives up after `timeoutMs`.
 */
async function firstSeen(client: Etcd3, key: string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if ((await client.get(key).string()) !== null) return performance.now();
    await Bun.sleep(1);
  }
  throw new Error(`${key} did not appear within ${timeoutMs} ms`);
}

/**
 * `samples` times: `lbctl register SERVICE <backend address> --name <backend name>`, timed until
 * `probe` gets the backend's answer, then SIGTERM, timed until two probes in a row miss it.
 */
export async function measureRegister(options: {
  client: Etcd3;
  etcdEndpoint: string;
  sluice: TestSluice;
  service: string;
  backend: TestBackend;
  samples: number;
  probe: (sluice: TestSluice) => Promise<string>;
}): Promise<RegisterTimes> {
  const { client, sluice, service, backend, probe } = options;
  const key = `/apps/${service}/${backend.name}`;
  const times: RegisterTimes = { fromSpawn: [], fromKey: [], stopToGone: [] };
  for (let sample = 0; sample < options.samples; sample++) {
    const spawnedAt = performance.now();
    const seen = firstSeen(client, key, 10_000);
    const child = Bun.spawn(
      [
        LBCTL,
        "register",
        service,
        backend.address,
        "--name",
        backend.name,
        "--etcd",
        options.etcdEndpoint,
      ],
      { stdout: "ignore", stderr: "ignore" },
    );
    try {
      await waitFor(
        "registered backend routed",
        async () => (await probe(sluice)) === backend.name,
        10_000,
        0,
      );
      const routedAt = performance.now();
      times.fromSpawn.push(routedAt - spawnedAt);
      times.fromKey.push(routedAt - (await seen));
    } finally {
      const stoppedAt = performance.now();
      child.kill("SIGTERM");
      await child.exited;
      await waitFor(
        "registered backend gone",
        async () =>
          (await probe(sluice)) !== backend.name && (await probe(sluice)) !== backend.name,
        10_000,
        0,
      );
      times.stopToGone.push(performance.now() - stoppedAt);
    }
  }
  return times;
}
