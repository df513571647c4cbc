// The apply queue: one job at a time, requests during a job merge into one follow-up that takes
// the strongest kind asked for, and a stopped queue runs nothing more.

import { describe, expect, test } from "bun:test";
import { type ApplyKind, createApplyQueue } from "../../../src/apply/queue.ts";

/** A queue whose jobs wait until released, recording what ran. */
function controlledQueue() {
  const ran: ApplyKind[] = [];
  const releases: Array<() => void> = [];
  let running = 0;
  let mostAtOnce = 0;
  const queue = createApplyQueue<string>(async (kind) => {
    running++;
    mostAtOnce = Math.max(mostAtOnce, running);
    ran.push(kind);
    await new Promise<void>((resolve) => releases.push(resolve));
    running--;
    return `${kind} #${ran.length}`;
  });
  const releaseNext = async () => {
    while (releases.length === 0) await Bun.sleep(1);
    releases.shift()!();
    await Bun.sleep(1);
  };
  return { queue, ran, releaseNext, mostAtOnce: () => mostAtOnce };
}

describe("apply queue", () => {
  test("requests in one tick share one job", async () => {
    const { queue, ran, releaseNext } = controlledQueue();
    const first = queue.request("apply");
    const second = queue.request("apply");
    expect(second).toBe(first);
    await releaseNext();
    expect(await first).toBe("apply #1");
    expect(ran).toEqual(["apply"]);
    expect(queue.state()).toBe("idle");
  });

  test("a burst during a job costs one follow-up, with the strongest kind asked for", async () => {
    const { queue, ran, releaseNext, mostAtOnce } = controlledQueue();
    const first = queue.request("apply");
    await Bun.sleep(1);
    expect(queue.state()).toBe("running");
    const followUps = [queue.request("sync"), queue.request("reload"), queue.request("apply")];
    expect(new Set(followUps).size).toBe(1);
    expect(queue.pending()).toBe(true);
    await releaseNext();
    expect(await first).toBe("apply #1");
    await releaseNext();
    expect(await followUps[0]).toBe("reload #2");
    expect(ran).toEqual(["apply", "reload"]);
    expect(mostAtOnce()).toBe(1);
    expect(queue.pending()).toBe(false);
  });

  test("a failed job rejects its callers and the next job still runs", async () => {
    const queue = createApplyQueue<number>(async (kind) => {
      if (kind === "reload") throw new Error("haproxy refused");
      return 1;
    });
    await expect(queue.request("reload")).rejects.toThrow("haproxy refused");
    expect(await queue.request("apply")).toBe(1);
  });

  test("stop lets the running job finish, refuses the queued one and later requests", async () => {
    const { queue, ran, releaseNext } = controlledQueue();
    const running = queue.request("apply");
    await Bun.sleep(1);
    const queued = queue.request("reload");
    const stopped = queue.stop();
    await expect(queued).rejects.toThrow("stopping");
    await releaseNext();
    await stopped;
    expect(await running).toBe("apply #1");
    expect(ran).toEqual(["apply"]);
    expect(queue.state()).toBe("stopped");
    await expect(queue.request("apply")).rejects.toThrow("stopping");
  });
});
