// The daemon's DNS answers: names new to a render are resolved after the render, the names in use
// are resolved again on a timer, and only a changed answer requests another apply.

import { describe, expect, test } from "bun:test";
import { createDnsAnswers } from "../../src/daemon-dns.ts";
import { createLogger } from "../../src/log.ts";
import type { Layout } from "../../src/model/layout.ts";
import type { Model } from "../../src/model/types.ts";
import type { RenderPipeline } from "../../src/pipeline.ts";

/** A pipeline's DNS side whose answers the test decides. */
function fakePipeline() {
  const calls: string[] = [];
  const state = { pending: false, changes: false, fails: false, renderFails: false };
  const lookup = (name: string) => async () => {
    calls.push(name);
    if (state.fails) throw new Error("resolver broke");
    return state.changes;
  };
  return {
    state,
    calls,
    pipeline: {
      render() {
        if (state.renderFails) throw new Error("render failed");
        return "rendered\n";
      },
      dnsPending: () => state.pending,
      settleDns: lookup("settle"),
      refreshDns: lookup("refresh"),
    } as Partial<RenderPipeline> as RenderPipeline,
  };
}

function answers(everyMs = 60_000) {
  const fake = fakePipeline();
  const lines: string[] = [];
  let applies = 0;
  const dns = createDnsAnswers(
    fake.pipeline,
    () => applies++,
    createLogger((line) => lines.push(line)),
    everyMs,
  );
  const render = () => dns.pipeline.render({} as Model, {} as Layout);
  return { ...fake, dns, lines, render, applies: () => applies };
}

describe("the daemon's DNS answers", () => {
  test("a render that left no name pending resolves nothing", async () => {
    const it = answers();
    expect(it.render()).toBe("rendered\n");
    await Bun.sleep(5);
    expect(it.calls).toEqual([]);
    expect(it.applies()).toBe(0);
  });

  test("pending names are settled after the render, and a changed answer applies again", async () => {
    const it = answers();
    it.state.pending = true;
    it.state.changes = true;
    it.render();
    await Bun.sleep(5);
    expect(it.calls).toEqual(["settle"]);
    expect(it.applies()).toBe(1);
    expect(it.lines.join("")).toContain("DNS answers of the template changed");
  });

  test("settled answers that did not change apply nothing", async () => {
    const it = answers();
    it.state.pending = true;
    it.render();
    await Bun.sleep(5);
    expect(it.calls).toEqual(["settle"]);
    expect(it.applies()).toBe(0);
  });

  test("the names in use are refreshed on the timer until stopped", async () => {
    const it = answers(10);
    it.dns.start();
    await Bun.sleep(35);
    expect(it.calls.length).toBeGreaterThanOrEqual(2);
    expect(new Set(it.calls)).toEqual(new Set(["refresh"]));
    expect(it.applies()).toBe(0);
    it.state.changes = true;
    await Bun.sleep(25);
    expect(it.applies()).toBeGreaterThanOrEqual(1);
    it.dns.stop();
    const [calls, applies] = [it.calls.length, it.applies()];
    await Bun.sleep(30);
    expect(it.calls.length).toBe(calls);
    expect(it.applies()).toBe(applies);
  });

  test("a failed lookup is logged and later rounds still run", async () => {
    const it = answers();
    it.state.pending = true;
    it.state.fails = true;
    it.render();
    await Bun.sleep(5);
    expect(it.lines.join("")).toContain("DNS lookup failed");
    it.state.fails = false;
    it.state.changes = true;
    it.render();
    await Bun.sleep(5);
    expect(it.applies()).toBe(1);
  });

  test("a failed render settles its pending names too", async () => {
    const it = answers();
    it.state.pending = true;
    it.state.changes = true;
    it.state.renderFails = true;
    expect(() => it.render()).toThrow("render failed");
    await Bun.sleep(5);
    expect(it.calls).toEqual(["settle"]);
    expect(it.applies()).toBe(1);
  });
});
