// The one writer of haproxy.cfg: a refused config never replaces the file, a staged file never
// outlives a write, and the last good copy comes back.

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConfigFile } from "../../../src/apply/config-file.ts";
import { HaproxyCheckError } from "../../../src/errors.ts";

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A config file whose check refuses any text containing "bad". */
function configFile() {
  dir = mkdtempSync(join(tmpdir(), "sluice-config-file-"));
  const checked: string[] = [];
  const file = createConfigFile({
    path: join(dir, "haproxy.cfg"),
    async check(path) {
      checked.push(readFileSync(path, "utf8"));
      if (readFileSync(path, "utf8").includes("bad")) throw new HaproxyCheckError("refused");
    },
  });
  return { file, checked };
}

describe("config file", () => {
  test("a checked write swaps the file in and leaves no staged file", async () => {
    const { file, checked } = configFile();
    expect(file.read()).toBeUndefined();
    await file.replaceChecked("good 1\n");
    expect(file.read()).toBe("good 1\n");
    expect(file.holds("good 1\n")).toBe(true);
    expect(checked).toEqual(["good 1\n"]);
    expect(existsSync(`${file.path}.staged`)).toBe(false);
  });

  test("a refused config leaves the file as it was", async () => {
    const { file } = configFile();
    await file.replaceChecked("good 1\n");
    await expect(file.replaceChecked("bad\n")).rejects.toThrow("refused");
    expect(file.read()).toBe("good 1\n");
    expect(existsSync(`${file.path}.staged`)).toBe(false);
  });

  test("the last good copy is kept, checked and put back", async () => {
    const { file } = configFile();
    expect(await file.checkLastGood()).toBe(false);
    expect(file.restoreLastGood()).toBe(false);
    file.replace("good 1\n");
    file.keepLastGood();
    file.replace("good 2\n");
    expect(await file.checkLastGood()).toBe(true);
    expect(file.restoreLastGood()).toBe(true);
    expect(file.read()).toBe("good 1\n");
  });

  test("a last good copy HAProxy refuses is not trusted", async () => {
    const { file } = configFile();
    writeFileSync(file.lastGoodPath, "bad\n");
    await expect(file.checkLastGood()).rejects.toThrow("refused");
  });
});
