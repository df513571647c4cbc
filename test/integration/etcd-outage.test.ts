// etcd gone for a while: sluice, pointed at one member of a 3-node cluster, keeps HAProxy serving
// the last known backends while that member is down; changes made meanwhile through another
// member (even history compacted past sluice's revision) are all applied soon after it returns.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Etcd3 } from "etcd3";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { getPrefix, servedKeys, startEtcdCluster, type TestEtcdCluster } from "../helpers/etcd.ts";
import { startLoad } from "../helpers/load.ts";
import { waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

let cluster: TestEtcdCluster;
let sluice: TestSluice;
/** A client on the members sluice does not use. */
let others: Etcd3;
const backends: TestBackend[] = [];

beforeAll(async () => {
  cluster = await startEtcdCluster(3);
  for (const name of ["a", "b", "c"]) backends.push(startBackend(name));
  sluice = await startSluice({
    etcdEndpoint: cluster.endpoints[0]!,
    extraToml: "[apply]\nallow_empty = true\nmax_drop_percent = 100\n",
  });
  others = new Etcd3({ hosts: cluster.endpoints.slice(1) });
  const put = await others.put("/apps/web/a").value(backends[0]!.address);
  await sluice.waitApplied(put.header.revision);
}, 60_000);

afterAll(async () => {
  others?.close();
  await sluice?.stop();
  for (const backend of backends) backend.stop();
  await cluster?.stop();
});

describe("sluice's etcd member down for 20 s", () => {
  test("traffic keeps flowing, and changes made through another member apply within 2 s of its return", async () => {
    const member = cluster.members[0]!;
    const load = startLoad({
      url: `http://127.0.0.1:${sluice.httpPort}/`,
      concurrency: 4,
      keepAlive: false,
      maxMs: 60_000,
      maxRequests: 1_000_000,
    });
    await member.kill();
    const downAt = Date.now();
    await waitFor(
      "sluice to see etcd gone",
      async () => !(await sluice.status()).etcd.connected,
      10_000,
      100,
    );
    const during = await sluice.status();
    expect(during.etcd.stale).toBe(true);
    expect(during.etcd.last_error).toContain(member.endpoint);

    // Meanwhile, through the other members: a new backend, a removal and a new service.
    await others.put("/apps/web/b").value(backends[1]!.address);
    await others.put("/apps/api/c").value(backends[2]!.address);
    await others.put("/apps/web/gone").value("127.0.0.1:1");
    const last = await others.delete().key("/apps/web/gone");
    expect(await sluice.sample(3)).toEqual(["a", "a", "a"]);

    await Bun.sleep(Math.max(0, 20_000 - (Date.now() - downAt)));
    const before = await sluice.status();
    const startedAt = Date.now();
    await member.start();
    const backAt = Date.now();
    await sluice.waitApplied(last.header.revision, 5_000);
    const appliedAt = Date.now();
    const applyMs = appliedAt - backAt;
    const result = await load.stop();
    console.log(
      `member down ${backAt - downAt} ms; changes applied ${applyMs} ms after it answered ` +
        `(${appliedAt - startedAt} ms after its process started); ` +
        `load: ${result.ok} ok, ${result.failed} failed`,
    );
    expect(applyMs).toBeLessThanOrEqual(2_000);
    expect(result.failed).toBe(0);
    expect(result.ok).toBeGreaterThan(100);

    const after = await sluice.status();
    expect(after.etcd.connected).toBe(true);
    expect(after.etcd.stale).toBe(false);
    expect(after.etcd.endpoint).toBe(member.endpoint);
    expect(after.etcd.reconnects).toBe(before.etcd.reconnects + 1);
    expect(after.etcd.relists).toBeGreaterThan(before.etcd.relists);
    expect(await servedKeys(sluice.adminUrl)).toEqual(
      await getPrefix(cluster.liveEndpoints(), "/apps/"),
    );
    expect(new Set(await sluice.sample(4, "web"))).toEqual(new Set(["a", "b"]));
    expect(await sluice.sample(2, "api")).toEqual(["c", "c"]);
  }, 90_000);

  test("history compacted past sluice's revision while it was away is recovered by listing again", async () => {
    const member = cluster.members[0]!;
    const sluiceRevision = (await sluice.status()).etcd.revision;
    await member.kill();
    await waitFor(
      "sluice to see etcd gone",
      async () => !(await sluice.status()).etcd.connected,
      10_000,
      100,
    );
    // Every kind of change, then history compacted past all of them.
    await others.delete().key("/apps/web/b");
    await others.put("/apps/web/a").value(`${backends[1]!.address}`);
    for (let i = 0; i < 20; i++)
      await others.put(`/apps/batch/s${i}`).value(`127.0.0.1:${20000 + i}`);
    await others.delete().prefix("/apps/batch/s1");
    const last = await others.put("/apps/api/c").value(backends[0]!.address);
    const top = Number(last.header.revision);
    await cluster.compact(top);
    expect(top).toBeGreaterThan(sluiceRevision + 20);

    await member.start();
    await sluice.waitApplied(top, 5_000);
    const expected = await getPrefix(cluster.liveEndpoints(), "/apps/");
    expect(await servedKeys(sluice.adminUrl)).toEqual(expected);
    expect([...expected.keys()].filter((k) => k.startsWith("/apps/batch/")).length).toBe(9);
    // What HAProxy routes follows: web/a now points at backend b, api at backend a.
    expect(await sluice.sample(2, "web")).toEqual(["b", "b"]);
    expect(await sluice.sample(2, "api")).toEqual(["a", "a"]);
  }, 60_000);
});

describe("metrics", () => {
  test("GET /metrics shows the connection, the endpoint, the revision and the counts", async () => {
    const status = await sluice.status();
    const text = await (await fetch(`${sluice.adminUrl}/metrics`)).text();
    const lines = text.split("\n");
    expect(lines).toContain("sluice_etcd_connected 1");
    expect(lines).toContain("sluice_etcd_stale 0");
    expect(lines).toContain(`sluice_etcd_endpoint_info{endpoint="${status.etcd.endpoint}"} 1`);
    expect(lines).toContain(`sluice_etcd_relists_total ${status.etcd.relists}`);
    expect(lines).toContain(`sluice_etcd_reconnects_total ${status.etcd.reconnects}`);
    expect(status.etcd.reconnects).toBeGreaterThanOrEqual(2);
    const revision = lines.find((l) => l.startsWith("sluice_etcd_revision "));
    expect(Number(revision?.split(" ")[1])).toBeGreaterThanOrEqual(status.etcd.revision);
  });
});
