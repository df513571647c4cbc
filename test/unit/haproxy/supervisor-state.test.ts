import { describe, expect, test } from "bun:test";
import {
  createSupervisorStates,
  type SupervisorState,
} from "../../../src/haproxy/supervisor-state.ts";

/** Walks a fresh machine through `path`, then returns it. */
function walk(path: SupervisorState[]) {
  const machine = createSupervisorStates();
  for (const state of path) machine.moveTo(state);
  return machine;
}

describe("supervisor states", () => {
  test("starts stopped", () => {
    expect(createSupervisorStates().current()).toBe("stopped");
  });

  test.each([
    [["starting", "running", "reloading", "running"]],
    [["starting", "running", "restarting", "restarting", "running"]],
    [["starting", "running", "reloading", "restarting"]],
    [["starting", "stopped"]],
    [["starting", "running", "stopping", "stopped", "starting"]],
  ] as SupervisorState[][][])("allows %p", (path) => {
    expect(walk(path).current()).toBe(path.at(-1)!);
  });

  test.each([
    [[], "running"],
    [[], "reloading"],
    [["starting"], "reloading"],
    [["starting", "running"], "starting"],
    [["starting", "running", "restarting"], "reloading"],
    [["starting", "running", "stopping"], "running"],
  ] as [SupervisorState[], SupervisorState][])("refuses %p then %s", (path, next) => {
    const machine = walk(path);
    const from = machine.current();
    expect(() => machine.moveTo(next)).toThrow(`cannot move from ${from} to ${next}`);
    expect(machine.current()).toBe(from);
  });
});
