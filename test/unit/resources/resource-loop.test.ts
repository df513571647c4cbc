// The daemon's resource applies: one at a time, a key set that arrives meanwhile replaces the
// queued one, and stop waits for the running apply.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../../../src/config/load.ts";
import { createLogger } from "../../../src/log.ts";
import { createResourceLoop, type KeySet } from "../../../src/resources/resource-loop.ts";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sluice-loop-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const log = createLogger(() => {}, { format: "json", level: "error" });

function loopWith(current: () => KeySet, checkCmd: string) {
  writeFileSync(join(dir, "t.liquid"), '{{ "/v" | getv }}\n');
  const text = `[[template]]\nsrc = "t.liquid"\ndest = "${join(dir, "out")}"\nkeys = ["/v"]\ncheck_cmd = "${checkCmd}"\n`;
  return createResourceLoop(parseConfigText(text, join(dir, "sluice.toml")), { current, log });
}

describe("createResourceLoop", () => {
  test("applies while one runs collapse into one more, with the newest key set", async () => {
    let value = "1";
    const loop = loopWith(
      () => ({ kvs: [{ key: "/v", value }], revision: Number(value) }),
      "sleep 0.2",
    );
    const first = loop.applyNow();
    value = "2";
    const second = loop.applyNow();
    value = "3";
    const third = loop.applyNow();
    expect(second).toBe(third);
    const report = await third;
    expect(report?.revision).toBe(3);
    expect(readFileSync(join(dir, "out"), "utf8")).toBe("3\n");
    expect((await first)?.revision).toBe(3);
    // The first apply, then one for both key sets that came while it ran.
    expect(loop.status()[0]!.renders.changed).toBe(2);
  });

  test("changed() applies after the burst; stop() waits for a running apply", async () => {
    const loop = loopWith(() => ({ kvs: [{ key: "/v", value: "x" }], revision: 1 }), "true");
    loop.changed();
    loop.changed();
    await Bun.sleep(10);
    await loop.stop();
    expect(readFileSync(join(dir, "out"), "utf8")).toBe("x\n");
    expect(loop.status()[0]!.renders.changed).toBe(1);
    expect(await loop.applyNow()).toBeUndefined();
  });
});
