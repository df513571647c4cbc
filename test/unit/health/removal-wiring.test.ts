// The removal as the daemon wires it: off without remove_after (nothing talks to etcd), and with
// it a part that closes its etcd store on stop, holding removals while HAProxy is down.

import { describe, expect, test } from "bun:test";
import { parseConfigText } from "../../../src/config/load.ts";
import type { DiscoveryState } from "../../../src/discovery/types.ts";
import type { SupervisorStatus } from "../../../src/haproxy/supervisor.ts";
import { createRemovalFor } from "../../../src/health/removal-wiring.ts";
import { createLogger } from "../../../src/log.ts";
import { createFakeRemovalEtcd, createManualClock } from "./fake-removal-etcd.ts";

function wiring(health: string, running: boolean) {
  const config = parseConfigText(`[haproxy]\n[health]\n${health}\n`, "/etc/sluice/sluice.toml");
  const clock = createManualClock();
  const etcd = createFakeRemovalEtcd(clock);
  const store = etcd.client();
  const removal = createRemovalFor(config, {
    health: { snapshot: () => [], stale: () => false },
    discovery: { state: () => ({ connected: true, synced: true }) as DiscoveryState },
    supervisor: {
      status: async () => ({ running, responsive: running }) as SupervisorStatus,
    },
    log: createLogger(() => {}),
    identity: "lb-1:42",
    store,
    clock,
  });
  return { removal, etcd, store };
}

describe("removal wiring", () => {
  test('remove_after = "0s": no election, and status says removal is off', async () => {
    const { removal, etcd } = wiring('remove_after = "0s"', true);
    await removal.part.start();
    await removal.remover.poll();
    expect(removal.remover.status()).toEqual({
      panic: false,
      leader: null,
      isLeader: false,
      removals: 0,
      held: ['removal is off ([health] remove_after = "0s")'],
    });
    await removal.part.stop();
    expect(etcd.leases.size).toBe(0);
  });

  test("a stopped HAProxy holds removals; the part closes the etcd store on stop", async () => {
    const { removal, etcd, store } = wiring("", false);
    await removal.part.start();
    expect(etcd.leases.size).toBe(0);
    await removal.remover.poll();
    expect(removal.remover.status().held).toContain("haproxy: not running");
    await removal.part.stop();
    expect(store.closed).toBe(true);
    expect(etcd.leases.size).toBe(0);
  });
});
