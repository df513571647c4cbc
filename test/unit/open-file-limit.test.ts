// Raising sluice's own open-file limit (which HAProxy inherits) to the hard limit.

import { describe, expect, test } from "bun:test";
import { type OpenFileLimit, type Rlimit, raiseOpenFileLimit } from "../../src/open-file-limit.ts";

function fakeRlimit(initial: OpenFileLimit, allowed = true) {
  let current = { ...initial };
  const sets: OpenFileLimit[] = [];
  const rlimit: Rlimit = {
    get: () => ({ ...current }),
    set(limit) {
      sets.push(limit);
      if (!allowed || limit.hard > current.hard) return false;
      current = { ...limit };
      return true;
    },
  };
  return { rlimit, sets };
}

describe("raising the open-file limit", () => {
  test("raises the soft limit to the hard one", () => {
    const { rlimit } = fakeRlimit({ soft: 1024, hard: 524_288 });
    expect(raiseOpenFileLimit(rlimit)).toEqual({ soft: 524_288, hard: 524_288 });
  });

  test("leaves a limit already at its hard limit alone", () => {
    const { rlimit, sets } = fakeRlimit({ soft: 4096, hard: 4096 });
    expect(raiseOpenFileLimit(rlimit)).toEqual({ soft: 4096, hard: 4096 });
    expect(sets).toEqual([]);
  });

  test("a refused raise reports the limits still in force", () => {
    const { rlimit } = fakeRlimit({ soft: 1024, hard: 4096 }, false);
    expect(raiseOpenFileLimit(rlimit)).toEqual({ soft: 1024, hard: 4096 });
  });

  test("without libc there is nothing to report", () => {
    expect(raiseOpenFileLimit({ get: () => undefined, set: () => false })).toBeUndefined();
  });

  test("the real call reads this process's limits", () => {
    const limit = raiseOpenFileLimit();
    expect(limit).toBeDefined();
    expect(limit!.soft).toBe(limit!.hard);
  });
});
