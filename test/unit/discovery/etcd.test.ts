// The watch loop against a fake etcd: it converges to etcd's keys after compaction, lost and
// canceled watches, silent watches and failed endpoints, and counts what it did.

import { afterEach, describe, expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import { createEtcdDiscovery } from "../../../src/discovery/etcd.ts";
import type { Discovery } from "../../../src/discovery/types.ts";
import { createLogger } from "../../../src/log.ts";
import type { KeyValue } from "../../../src/model/types.ts";
import { waitFor } from "../../helpers/ports.ts";
import { FakeEtcd } from "./fake-etcd.ts";

const A = "http://10.0.0.1:2379";
const B = "http://10.0.0.2:2379";

type Harness = {
  etcd: FakeEtcd;
  discovery: Discovery;
  /** The key set the listener saw last. */
  seen(): Record<string, string>;
  /** The key set rebuilt from every update's changes alone. */
  replayed(): Record<string, string>;
  /** Whether each update came from a listing. */
  relisted: boolean[];
  publishes(): number;
  log: string[];
};

let running: Discovery | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

function start(options: { endpoints?: string[]; extra?: string[]; etcd?: FakeEtcd } = {}): Harness {
  const endpoints = options.endpoints ?? [A];
  const config = parseConfigText(
    [
      "[etcd]",
      `endpoints = ${JSON.stringify(endpoints)}`,
      'dial_timeout = "200ms"',
      'keepalive_timeout = "100ms"',
      'progress_interval = "100ms"',
      ...(options.extra ?? []),
    ].join("\n"),
    "/etc/sluice/sluice.toml",
  ).etcd;
  const etcd = options.etcd ?? new FakeEtcd();
  const log: string[] = [];
  let last: KeyValue[] = [];
  let publishes = 0;
  // The key set rebuilt from the changes alone: must always equal the whole set listed.
  const replayed = new Map<string, string>();
  const relisted: boolean[] = [];
  const discovery = createEtcdDiscovery(
    config,
    createLogger((line) => log.push(line), { format: "logfmt" }),
    etcd.connect,
  );
  discovery.start({
    onChange(update) {
      last = update.kvs();
      publishes++;
      relisted.push(update.relisted);
      for (const { key, value } of update.changes) {
        if (value === undefined) replayed.delete(key);
        else replayed.set(key, value);
      }
    },
  });
  running = discovery;
  return {
    etcd,
    discovery,
    seen: () => Object.fromEntries(last.map((kv) => [kv.key, kv.value]).sort()),
    replayed: () => Object.fromEntries([...replayed].sort()),
    relisted,
    publishes: () => publishes,
    log,
  };
}

/** Waits until the listener's key set equals etcd's, and the revision caught up. */
async function converged(h: Harness, what = "the key set to equal etcd's"): Promise<void> {
  await waitFor(
    what,
    () =>
      JSON.stringify(h.seen()) === JSON.stringify(h.etcd.keys("/apps/")) &&
      h.discovery.state().connected,
    3000,
  );
  // Every update's changes, replayed, give the same key set: nothing is told twice or missed.
  expect(h.replayed()).toEqual(h.seen());
}

describe("etcd discovery against a fake etcd", () => {
  test("lists, then applies live puts and deletes from the next revision", async () => {
    const etcd = new FakeEtcd();
    etcd.put("/apps/web/a", "1.1.1.1:80");
    etcd.put("/other/x", "not ours");
    const h = start({ etcd });
    await converged(h);
    etcd.put("/apps/web/b", "2.2.2.2:80");
    etcd.delete("/apps/web/a");
    const revision = etcd.put("/apps/api/c", "3.3.3.3:80");
    await converged(h);
    // The listing, then watch events: only the first update came from a listing.
    expect(h.relisted[0]).toBe(true);
    expect(h.relisted.slice(1).every((from) => !from)).toBe(true);
    expect(h.discovery.state()).toMatchObject({
      state: "watching",
      connected: true,
      endpoint: A,
      revision,
      relists: 0,
      reconnects: 0,
    });
  });

  test("history compacted between the listing and the watch: lists again on the same connection", async () => {
    const etcd = new FakeEtcd();
    etcd.put("/apps/web/a", "1.1.1.1:80");
    let once = true;
    etcd.afterList = () => {
      if (!once) return;
      once = false;
      etcd.put("/apps/web/b", "2.2.2.2:80");
      etcd.delete("/apps/web/a");
      etcd.compact();
    };
    const h = start({ etcd });
    await converged(h);
    expect(h.seen()).toEqual({ "/apps/web/b": "2.2.2.2:80" });
    expect(h.discovery.state().relists).toBe(1);
    expect(etcd.connects).toEqual([A]);
    expect(h.log.join("")).toContain("compacted");
  });

  test("a lost watch fails over to the next endpoint, and changes made meanwhile arrive", async () => {
    const etcd = new FakeEtcd();
    etcd.put("/apps/web/a", "1.1.1.1:80");
    const h = start({ etcd, endpoints: [A, B] });
    await converged(h);
    etcd.down.add(A);
    etcd.dropEvents = true;
    etcd.disconnect(A);
    etcd.put("/apps/web/b", "2.2.2.2:80");
    etcd.delete("/apps/web/a");
    etcd.dropEvents = false;
    await converged(h);
    expect(h.discovery.state()).toMatchObject({ endpoint: B, reconnects: 1, relists: 1 });
    expect(h.log.join("")).toContain("etcd connection lost");
  });

  test("a watch canceled for lack of a leader moves to the next endpoint", async () => {
    const etcd = new FakeEtcd();
    const h = start({ etcd, endpoints: [A, B] });
    await converged(h);
    etcd.cancelWatches(A, "etcdserver: no leader");
    await waitFor(
      "failover to B",
      () => h.discovery.state().endpoint === B && h.discovery.state().connected,
    );
    expect(h.log.join("")).toContain("no leader");
    etcd.put("/apps/web/z", "9.9.9.9:80");
    await converged(h);
  });

  test("a watch that stops answering progress requests is replaced, and missed events recovered", async () => {
    const etcd = new FakeEtcd();
    const h = start({ etcd });
    await converged(h);
    etcd.silent.add(A);
    etcd.dropEvents = true;
    etcd.put("/apps/web/lost", "4.4.4.4:80");
    await waitFor("the stall to be noticed", () => h.discovery.state().reconnects >= 1, 3000);
    etcd.silent.delete(A);
    etcd.dropEvents = false;
    await converged(h);
    expect(h.log.join("")).toContain("stopped answering progress requests");
  });

  test("with every endpoint down it reports the error naming the endpoint, then recovers", async () => {
    const etcd = new FakeEtcd();
    etcd.down.add(A);
    etcd.down.add(B);
    etcd.put("/apps/web/a", "1.1.1.1:80");
    const h = start({ etcd, endpoints: [A, B] });
    await waitFor("a few failed attempts", () => etcd.connects.length >= 4, 3000);
    const state = h.discovery.state();
    expect(state.connected).toBe(false);
    expect(state.synced).toBe(false);
    // Each endpoint's latest error, in the configured order.
    expect(state.lastError).toBe(
      `etcd ${A}: 14 UNAVAILABLE: connect ECONNREFUSED; etcd ${B}: 14 UNAVAILABLE: connect ECONNREFUSED`,
    );
    // Repeats of one error are logged once, not at every retry.
    expect(h.log.filter((l) => l.includes(`etcd ${A}`)).length).toBe(1);
    etcd.down.delete(B);
    await converged(h);
    expect(h.discovery.state()).toMatchObject({ endpoint: B, reconnects: 0, synced: true });
  });

  test("refused credentials are retried every few seconds, not at once", async () => {
    const etcd = new FakeEtcd();
    etcd.refuse.add(A);
    const h = start({ etcd });
    await waitFor("the refusal to be reported", () => h.discovery.state().lastError, 1000);
    expect(h.discovery.state().lastError).toContain(`etcd ${A}: 3 INVALID_ARGUMENT`);
    // An unreachable etcd would have been tried 5 times by now (100, 200, 400, 800 ms).
    await Bun.sleep(1600);
    expect(etcd.connects.length).toBe(1);
  });

  test("a periodic resync repairs what a watch silently lost", async () => {
    const etcd = new FakeEtcd();
    const h = start({ etcd, extra: ['resync_interval = "150ms"'] });
    await converged(h);
    etcd.dropEvents = true;
    etcd.put("/apps/web/lost", "5.5.5.5:80");
    await converged(h, "the resync to find the lost put");
    expect(h.discovery.state().relists).toBeGreaterThanOrEqual(1);
    expect(h.discovery.state().reconnects).toBe(0);
  });

  test("status names the state: backing off while etcd is down, watching once live, then stopped", async () => {
    const etcd = new FakeEtcd();
    etcd.down.add(A);
    const h = start({ etcd });
    await waitFor("a backoff", () => h.discovery.state().state === "backing-off", 1000);
    etcd.down.delete(A);
    await converged(h);
    expect(h.discovery.state().state).toBe("watching");
    await h.discovery.stop();
    expect(h.discovery.state().state).toBe("stopped");
  });

  test("stop ends the session and no retry follows", async () => {
    const etcd = new FakeEtcd();
    const h = start({ etcd });
    await converged(h);
    await h.discovery.stop();
    const connects = etcd.connects.length;
    await Bun.sleep(300);
    expect(etcd.connects.length).toBe(connects);
  });
});
