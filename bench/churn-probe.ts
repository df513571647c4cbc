// A local probe (not part of `make bench`): 10,000 servers, then one change every 10 ms (a server
// re-registered at a new address, added or removed) for CHURN_SECONDS, sluice's RSS every 10 s.

import { readFileSync } from "node:fs";
import { startEtcd } from "../test/helpers/etcd.ts";
import { startSluice } from "../test/helpers/sluice.ts";

const seconds = Number(process.env.CHURN_SECONDS ?? 120);
const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

const etcd = await startEtcd();
const sluice = await startSluice({
  etcdEndpoint: etcd.endpoint,
  startTimeoutMs: 60_000,
  extraToml: `${process.env.PROBE_TOML?.replaceAll("\\n", "\n") ?? ""}\n[apply]\nallow_empty = true\nmax_drop_percent = 100\n`,
});
try {
  for (let s = 0; s < 100; s++) {
    const txn = etcd.client.if("/never", "Version", "==", 0);
    const puts = Array.from({ length: 100 }, (_, i) =>
      etcd.client.put(`/apps/svc${s}/i${i}`).value(`i${i} 127.2.${s}.${i}:9`),
    );
    await txn.then(...puts).commit();
  }
  await sluice.waitApplied(await etcd.revision(), 60_000);
  console.log(`10,000 servers applied; RSS ${rssMb(sluice.pid).toFixed(0)} MB`);
  const started = performance.now();
  let changes = 0;
  let nextSample = started + 10_000;
  while (performance.now() - started < seconds * 1000) {
    const s = changes % 100;
    const i = (changes * 7) % 100;
    const key = `/apps/svc${s}/i${i}`;
    const round = Math.floor(changes / 100);
    if (round % 3 === 2) await etcd.client.delete().key(key);
    else await etcd.client.put(key).value(`i${i} 127.${3 + (round % 50)}.${s}.${i}:9`);
    changes++;
    await Bun.sleep(10);
    if (performance.now() >= nextSample) {
      const status = await sluice.status();
      console.log(
        `+${((performance.now() - started) / 1000).toFixed(0)} s: ${changes} changes, RSS ${rssMb(sluice.pid).toFixed(0)} MB, reloads ${status.haproxy.reloads}, backends ${status.backends}`,
      );
      nextSample += 10_000;
    }
  }
} finally {
  await sluice.stop().catch((error) => console.log(String(error).slice(0, 1000)));
  await etcd.stop();
}
