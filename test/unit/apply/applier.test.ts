// The applier's hooks for /metrics: each reload's duration, and each rollback to the last good copy.

import { describe, expect, test } from "bun:test";
import { createApplier } from "../../../src/apply/applier.ts";
import type { ConfigFile } from "../../../src/apply/config-file.ts";
import type { Supervisor } from "../../../src/haproxy/supervisor.ts";

function fakes(reloadFails: boolean) {
  const calls: string[] = [];
  const file = {
    holds: () => false,
    replaceChecked: async () => void calls.push("replaceChecked"),
    replace: () => void calls.push("replace"),
    restoreLastGood: () => void calls.push("restoreLastGood"),
    keepLastGood: () => void calls.push("keepLastGood"),
    checkInPlace: async () => undefined,
  } as unknown as ConfigFile;
  const supervisor = {
    isStarted: () => true,
    reload: async () => {
      await Bun.sleep(5);
      if (reloadFails) throw new Error("worker exited");
    },
  } as unknown as Supervisor;
  return { calls, file, supervisor };
}

describe("createApplier hooks", () => {
  test("a reload reports its duration and no rollback", async () => {
    const { file, supervisor } = fakes(false);
    const durations: number[] = [];
    let rollbacks = 0;
    const applier = createApplier({
      file,
      supervisor,
      onReloaded: (ms) => durations.push(ms),
      onRolledBack: () => rollbacks++,
    });
    expect(await applier.apply("global\n")).toBe("reloaded");
    expect(durations).toHaveLength(1);
    expect(durations[0]!).toBeGreaterThanOrEqual(4);
    expect(rollbacks).toBe(0);
  });

  test("a failed reload puts the last good copy back and counts one rollback", async () => {
    const { calls, file, supervisor } = fakes(true);
    let rollbacks = 0;
    const durations: number[] = [];
    const applier = createApplier({
      file,
      supervisor,
      onReloaded: (ms) => durations.push(ms),
      onRolledBack: () => rollbacks++,
    });
    await expect(applier.apply("global\n")).rejects.toThrow("reload failed: worker exited");
    expect(calls).toEqual(["replaceChecked", "restoreLastGood"]);
    expect(rollbacks).toBe(1);
    expect(durations).toHaveLength(1);
  });
});
