// Named states: allowed transitions move, and a transition from the wrong state throws at once.

import { describe, expect, test } from "bun:test";
import { createDiscoveryStates } from "../../../src/discovery/states.ts";
import type { DiscoveryStateName } from "../../../src/discovery/types.ts";
import { createStateMachine } from "../../../src/state.ts";

describe("createStateMachine", () => {
  const transitions = { off: ["on"], on: ["off", "done"], done: [] } as const;

  test("moves along allowed transitions and reports where it is", () => {
    const lifecycle = createStateMachine<"off" | "on" | "done">("lamp", "off", transitions);
    lifecycle.moveTo("on");
    expect(lifecycle.current()).toBe("on");
    expect(lifecycle.is("off", "on")).toBe(true);
    lifecycle.moveTo("done");
    expect(lifecycle.is("on")).toBe(false);
  });

  test("a transition the state it leaves does not allow throws, naming both", () => {
    const lifecycle = createStateMachine<"off" | "on" | "done">("lamp", "off", transitions);
    expect(() => lifecycle.moveTo("done")).toThrow("lamp: cannot move from off to done");
    expect(lifecycle.current()).toBe("off");
  });
});

describe("the discovery lifecycle", () => {
  test("goes idle → connecting → listing → watching → listing → backing-off → connecting", () => {
    const lifecycle = createDiscoveryStates();
    expect(lifecycle.current()).toBe("idle");
    for (const next of [
      "connecting",
      "listing",
      "watching",
      "listing",
      "backing-off",
      "connecting",
    ] as const) {
      lifecycle.moveTo(next);
    }
    expect(lifecycle.current()).toBe("connecting");
  });

  const wrong: Array<[string, DiscoveryStateName[], string]> = [
    ["watching before listing", ["connecting", "watching"], "from connecting to watching"],
    ["listing before connecting", ["listing"], "from idle to listing"],
    [
      "backing off twice",
      ["connecting", "backing-off", "backing-off"],
      "from backing-off to backing-off",
    ],
    [
      "anything after stopped",
      ["connecting", "stopped", "connecting"],
      "from stopped to connecting",
    ],
    [
      "watching straight after backing off",
      ["connecting", "backing-off", "watching"],
      "from backing-off to watching",
    ],
  ];
  for (const [name, path, message] of wrong) {
    test(`${name} throws`, () => {
      const lifecycle = createDiscoveryStates();
      const last = path.pop()!;
      for (const state of path) lifecycle.moveTo(state);
      expect(() => lifecycle.moveTo(last)).toThrow(`etcd discovery: cannot move ${message}`);
    });
  }
});
