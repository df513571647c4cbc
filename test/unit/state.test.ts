// Named states: a transition that the table does not allow throws, naming both states.

import { expect, test } from "bun:test";
import { createStateMachine } from "../../src/state.ts";

test("allowed transitions move, others throw naming the machine and both states", () => {
  const machine = createStateMachine<"a" | "b" | "c">("demo", "a", {
    a: ["b"],
    b: ["c", "a"],
    c: [],
  });
  machine.moveTo("b");
  expect(machine.current()).toBe("b");
  expect(machine.is("a", "b")).toBe(true);
  machine.moveTo("c");
  expect(() => machine.moveTo("a")).toThrow("demo: cannot move from c to a");
  expect(machine.current()).toBe("c");
});
