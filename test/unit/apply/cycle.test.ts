// One apply job in steps: a reload waits for more changes and reads the state again, the file
// follows a fast-path update through a queued job, and a file that cannot follow forces a reload.

import { describe, expect, test } from "bun:test";
import { APPLY } from "../../../src/tunables.ts";
import { keySet } from "../desired-fixtures.ts";
import { cycleWith } from "./cycle-fixtures.ts";

type Call = string;

describe("apply cycle", () => {
  test("a reload waits reload_wait, then reads the newest state again", async () => {
    const calls: Call[] = [];
    const { cycle, fake, desired, record } = cycleWith(calls, { reloadWaitMs: 100 });
    fake.nextPlan = { kind: "reload", reasons: ["backend added"] };
    desired.fromEtcd(keySet([], 1));
    const result = await cycle.queue.request("apply");
    expect(calls).toEqual(["prepare r1", "wait 100ms", "prepare r2", "execute reload r2"]);
    expect(result.revision).toBe(2);
    expect(record.view()).toMatchObject({ applies: 1, revision: 2, lastError: undefined });
    await cycle.stop();
  });

  test("a forced reload does not wait", async () => {
    const calls: Call[] = [];
    const { cycle } = cycleWith(calls, { reloadWaitMs: 100 });
    await cycle.queue.request("reload");
    expect(calls).toEqual(["prepare r0 forced", "execute reload r0 forced"]);
    await cycle.stop();
  });

  test("after a fast-path update the file follows in a queued job", async () => {
    const calls: Call[] = [];
    const { cycle, record } = cycleWith(calls);
    await cycle.queue.request("apply");
    expect(calls).toEqual(["prepare r0", "execute runtime r0"]);
    await Bun.sleep(120);
    // The collector is asked to take what the change left behind, while quiet.
    expect(calls).toEqual(["prepare r0", "execute runtime r0", "sync file", "gc"]);
    // The file catching up is not counted as an apply.
    expect(record.view().applies).toBe(1);
    await cycle.stop();
  });

  test("garbage is collected after the file follows at most every few seconds", async () => {
    const calls: Call[] = [];
    const { cycle, clock } = cycleWith(calls);
    const syncs = async () => {
      await cycle.queue.request("apply");
      await cycle.queue.request("sync");
    };
    await syncs();
    await syncs();
    expect(calls.filter((call) => call === "gc")).toEqual(["gc"]);
    clock.advance(APPLY.collectGarbageEveryMs);
    await syncs();
    expect(calls.filter((call) => call === "gc")).toEqual(["gc", "gc"]);
    await cycle.stop();
  });

  test("a file that cannot follow HAProxy is mended by a forced reload in the same job", async () => {
    const calls: Call[] = [];
    const { cycle, fake } = cycleWith(calls);
    fake.syncSucceeds = false;
    await cycle.queue.request("apply");
    const result = await cycle.queue.request("sync");
    expect(calls.slice(2)).toEqual(["sync file", "prepare r0 forced", "execute reload r0 forced"]);
    expect(result.outcome).toBe("reloaded");
    await cycle.stop();
  });

  test("a failed apply is recorded and told, and the next success clears it", async () => {
    const calls: Call[] = [];
    const { cycle, fake, record, events } = cycleWith(calls);
    fake.failExecute = true;
    await expect(cycle.queue.request("apply")).rejects.toThrow("haproxy refused");
    expect(record.view().lastError).toBe("haproxy refused");
    expect(events).toEqual(["failed haproxy refused"]);
    fake.failExecute = false;
    fake.nextPlan = { kind: "none" };
    await cycle.queue.request("apply");
    expect(record.view().lastError).toBeUndefined();
    expect(events).toEqual(["failed haproxy refused", "applied reloaded"]);
    await cycle.stop();
  });
});

describe("apply retries", () => {
  test("a failed apply is tried again with backoff until it succeeds, without another change", async () => {
    const calls: Call[] = [];
    const { cycle, fake, record } = cycleWith(calls);
    fake.failExecute = true;
    await expect(cycle.queue.request("apply")).rejects.toThrow("haproxy refused");
    expect(cycle.nextRetryAt()).toBeGreaterThan(Date.now());
    await Bun.sleep(150);
    // The first retry (after 100 ms) failed too; the next waits 200 ms.
    expect(calls.filter((call) => call.startsWith("execute"))).toHaveLength(2);
    fake.failExecute = false;
    await Bun.sleep(250);
    expect(calls.filter((call) => call.startsWith("execute"))).toHaveLength(3);
    expect(record.view().lastError).toBeUndefined();
    expect(cycle.nextRetryAt()).toBeUndefined();
    await cycle.stop();
  });

  test("stop cancels a scheduled retry", async () => {
    const calls: Call[] = [];
    const { cycle, fake } = cycleWith(calls);
    fake.failExecute = true;
    await expect(cycle.queue.request("apply")).rejects.toThrow();
    await cycle.stop();
    await Bun.sleep(150);
    expect(calls.filter((call) => call.startsWith("execute"))).toHaveLength(1);
  });
});
