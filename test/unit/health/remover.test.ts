// The remover over a fake etcd and a fake health snapshot: not before remove_after, budgets per
// period (10 dead of 20 at 20 % go 4, 4, 2), re-registrations kept by the compare on the mod
// revision, panic, and every hold (stale data, etcd, HAProxy, leadership).

import { describe, expect, test } from "bun:test";
import { createWorld, REMOVE_AFTER_MS } from "./remover-world.ts";

describe("remover", () => {
  test("removes a dead backend after remove_after, not before, and logs it", async () => {
    const world = await createWorld({ services: { web: 10 } });
    const [dead] = world.keysOf("web");
    world.kill([dead!]);
    await world.pollAfter(REMOVE_AFTER_MS - 1);
    expect(world.etcd.keys.has(dead!)).toBe(true);
    await world.pollAfter(1);
    expect(world.etcd.keys.has(dead!)).toBe(false);
    expect(world.remover.status()).toEqual({
      panic: false,
      leader: "host-a:1",
      isLeader: true,
      removals: 1,
      held: [],
    });
    const line = world.lines.find((each) => each.includes("removed a dead backend"));
    expect(line).toContain(`key=${dead}`);
    expect(line).toContain("revision=");
    expect(line).toContain("down_for=2.0s");
    expect(line).toContain('last_error="L4CON Connection refused"');
    expect(world.events.filter((event) => event.type === "removal")).toEqual([
      {
        type: "removal",
        data: {
          key: dead,
          service: "web",
          revision: expect.any(Number),
          down_for_ms: REMOVE_AFTER_MS,
          error: "L4CON Connection refused",
        },
      },
    ]);
  });

  for (const lag of [false, true]) {
    test(`10 dead of 20 at 20 % go 4, 4, 2 over three periods${lag ? " (model lagging)" : ""}`, async () => {
      const world = await createWorld({
        services: { web: 20 },
        config: { maxEjectionPercent: 20 },
        lag,
      });
      const keys = world.keysOf("web");
      const dead = keys.slice(0, 10);
      world.kill(dead);
      const removed: number[] = [];
      const count = () => 20 - world.left("web").length;
      for (let period = 0; period < 4; period++) {
        await world.pollAfter(REMOVE_AFTER_MS - (period === 0 ? 0 : 500));
        const atStart = count();
        // More polls within the same period remove nothing more.
        await world.pollAfter(250);
        await world.pollAfter(250);
        expect(count()).toBe(atStart);
        removed.push(atStart);
      }
      expect(removed).toEqual([4, 8, 10, 10]);
      expect(world.left("web").sort()).toEqual(keys.slice(10).sort());
      expect(world.remover.status().removals).toBe(10);
    });
  }

  test("a service of one dead server loses it (at least one per period)", async () => {
    const world = await createWorld({ services: { solo: 1, web: 9 } });
    world.kill(world.keysOf("solo"));
    await world.pollAfter(REMOVE_AFTER_MS);
    expect(world.left("solo")).toEqual([]);
  });

  test("a backend registered again before its deadline survives, and its clock restarts", async () => {
    const world = await createWorld({ services: { web: 10 } });
    const [key] = world.keysOf("web");
    world.kill([key!]);
    await world.wait(REMOVE_AFTER_MS - 100);
    const reput = world.etcd.put(key!, "127.0.0.1:9001");
    await world.pollAfter(100);
    expect(world.etcd.keys.get(key!)?.modRevision).toBe(reput);
    expect(world.lines.join("")).toContain("registered again after it went down");
    await world.pollAfter(REMOVE_AFTER_MS - 1);
    expect(world.etcd.keys.has(key!)).toBe(true);
    // Still down a whole remove_after since it was seen again: removed, at the new revision.
    await world.pollAfter(1);
    expect(world.etcd.keys.has(key!)).toBe(false);
    expect(world.lines.find((l) => l.includes("removed a dead"))).toContain(`revision=${reput}`);
  });

  test("a key written between the read and the delete is kept, and not retried at that revision", async () => {
    let interfere: (() => void) | undefined;
    const world = await createWorld({
      services: { web: 10 },
      wrapStore: (store) => ({
        modRevision: async (key) => {
          const revision = await store.modRevision(key);
          interfere?.();
          return revision;
        },
        deleteIfUnchanged: (key, revision, fence) => store.deleteIfUnchanged(key, revision, fence),
      }),
    });
    const [key] = world.keysOf("web");
    world.kill([key!]);
    interfere = () => {
      world.etcd.put(key!, "127.0.0.1:9001");
      interfere = undefined;
    };
    await world.pollAfter(REMOVE_AFTER_MS);
    expect(world.etcd.keys.has(key!)).toBe(true);
    expect(world.lines.join("")).toContain("the key changed after it was read");
    // The next poll reads the new revision, newer than the down one: the clock restarts.
    await world.pollAfter(500);
    expect(world.etcd.keys.has(key!)).toBe(true);
    expect(world.lines.join("")).toContain("registered again after it went down");
    expect(world.etcd.deletes).toEqual([]);
  });

  const holds: Array<[string, (world: Awaited<ReturnType<typeof createWorld>>) => void, string]> = [
    ["stale health data", (w) => (w.conditions.stale = true), "health data is stale"],
    [
      "etcd disconnected",
      (w) => (w.conditions.etcd = { connected: false, synced: true }),
      "etcd is not connected",
    ],
    [
      "etcd not synced",
      (w) => (w.conditions.etcd = { connected: true, synced: false }),
      "etcd is not synced",
    ],
    [
      "haproxy not answering",
      (w) => (w.conditions.haproxyProblem = "stats socket timed out"),
      "haproxy: stats socket timed out",
    ],
  ];
  for (const [name, breakIt, reason] of holds) {
    test(`holds removals while ${name}`, async () => {
      const world = await createWorld({ services: { web: 10 } });
      const [key] = world.keysOf("web");
      world.kill([key!]);
      breakIt(world);
      await world.pollAfter(REMOVE_AFTER_MS * 3);
      expect(world.etcd.keys.has(key!)).toBe(true);
      expect(world.remover.status().held).toEqual([reason]);
    });
  }

  test("panic freezes removals, is logged once, and clears by itself", async () => {
    const world = await createWorld({ services: { web: 6, api: 4 } });
    const dead = world.keysOf("web");
    world.kill(dead);
    for (let poll = 0; poll < 4; poll++) await world.pollAfter(REMOVE_AFTER_MS);
    expect(world.etcd.deletes).toEqual([]);
    expect(world.remover.status().panic).toBe(true);
    expect(world.remover.status().held).toEqual([
      "panic: 6 of 10 checked servers are down (more than 50%)",
    ]);
    const panics = world.lines.filter((line) => line.includes("health panic:"));
    expect(panics.length).toBe(1);
    // A hold is published when it begins, not at every poll it lasts.
    const holds = world.events.filter((event) => event.type === "removal_held");
    expect(holds.map((event) => event.data.reason)).toEqual([
      "panic: 6 of 10 checked servers are down (more than 50%)",
    ]);
    world.revive(dead.slice(0, 1));
    await world.pollAfter(500);
    expect(world.remover.status().panic).toBe(false);
    expect(world.lines.filter((line) => line.includes("health panic over")).length).toBe(1);
    // 5 of 10 is no panic, but time down during the panic does not count: no removal until the
    // backends still down have been down a whole remove_after since it ended.
    expect(world.etcd.deletes).toEqual([]);
    await world.pollAfter(REMOVE_AFTER_MS - 100);
    expect(world.etcd.deletes).toEqual([]);
    await world.pollAfter(100);
    // Then one per service per period at 10 %.
    expect(world.etcd.deletes.length).toBe(1);
  });

  test("a leader cut off from etcd stops removing within TTL/2", async () => {
    const world = await createWorld({ services: { web: 10 } });
    const [key] = world.keysOf("web");
    world.kill([key!]);
    // Its renewals fail from now on: the last one was the first round, remove_after ago.
    world.clock.advance(REMOVE_AFTER_MS);
    await world.remover.poll();
    expect(world.etcd.keys.has(key!)).toBe(true);
    expect(world.remover.status()).toMatchObject({ isLeader: false });
    expect(world.remover.status().held).toContain("not the removal leader");
  });

  test("leadership lost at etcd between two removals stops the round", async () => {
    let deletes = 0;
    const world = await createWorld({
      services: { web: 20 },
      config: { maxEjectionPercent: 50 },
      wrapStore: (store) => ({
        modRevision: (key) => store.modRevision(key),
        deleteIfUnchanged: async (key, revision, fence) => {
          const outcome = await store.deleteIfUnchanged(key, revision, fence);
          // Another instance took over after the first removal: this one's key is gone.
          if (++deletes === 1) world.etcd.dropLeases();
          return outcome;
        },
      }),
    });
    world.kill(world.keysOf("web").slice(0, 5));
    await world.pollAfter(REMOVE_AFTER_MS);
    expect(world.etcd.deletes.length).toBe(1);
    expect(deletes).toBe(2);
    expect(world.lines.join("")).toContain("this instance no longer leads removals");
  });

  test("with remove_after = 0s nothing is removed, and panic is still told", async () => {
    const world = await createWorld({ services: { web: 4 }, config: { removeAfterMs: 0 } });
    world.kill(world.keysOf("web").slice(0, 3));
    await world.pollAfter(REMOVE_AFTER_MS * 2);
    expect(world.etcd.deletes).toEqual([]);
    expect(world.remover.status()).toMatchObject({
      panic: true,
      held: ['removal is off ([health] remove_after = "0s")'],
    });
  });
});
