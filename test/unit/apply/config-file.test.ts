// The one writer of haproxy.cfg: a refused config never replaces the file, a staged file never
// outlives a write, and the last good copy comes back; the files a config carries (hosts.map) go
// with it, checked with it, and back with it.

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createConfigFile } from "../../../src/apply/config-file.ts";
import { HaproxyCheckError } from "../../../src/errors.ts";
import { embedFile } from "../../../src/render/embedded-files.ts";

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

  /** A config naming its map by path, as the default template does, and carrying its lines. */
  const withMap = (label: string, map: string) =>
    `${label}\n    map_str(${join(dir, "hosts.map")})\n${embedFile(map, "hosts.map")}\n`;

  /** A config file whose check reads the map the checked config names, as HAProxy does, and
   * refuses a map line "bad". */
  function mapConfigFile() {
    dir = mkdtempSync(join(tmpdir(), "sluice-config-file-"));
    const maps: string[] = [];
    const file = createConfigFile({
      path: join(dir, "haproxy.cfg"),
      async check(path) {
        const named = /map_str\((.+)\)/.exec(readFileSync(path, "utf8"))?.[1];
        const map = named ? readFileSync(named, "utf8") : "";
        maps.push(map);
        if (map.includes("bad")) throw new HaproxyCheckError("refused map");
      },
    });
    return { file, maps, mapPath: join(dir, "hosts.map") };
  }

  test("a config's map is written beside it, checked with it, and leaves no staged file", async () => {
    const { file, maps, mapPath } = mapConfigFile();
    const text = withMap("one", "web web\nwww.example.com web\n");
    await file.replaceChecked(text);
    expect(maps).toEqual(["web web\nwww.example.com web\n"]);
    expect(file.read()).toBe(text);
    expect(readFileSync(mapPath, "utf8")).toBe("web web\nwww.example.com web\n");
    expect(file.holds(text)).toBe(true);
    expect(existsSync(`${mapPath}.staged`)).toBe(false);
    expect(existsSync(`${file.path}.staged.check`)).toBe(false);
    // The check read the new map before anything in place changed.
    const next = withMap("two", "api api\n");
    await file.replaceChecked(next);
    expect(maps[1]).toBe("api api\n");
    expect(readFileSync(mapPath, "utf8")).toBe("api api\n");
  });

  test("a refused map leaves the config and its map as they were", async () => {
    const { file, mapPath } = mapConfigFile();
    const good = withMap("one", "web web\n");
    await file.replaceChecked(good);
    await expect(file.replaceChecked(withMap("two", "bad web\n"))).rejects.toThrow("refused map");
    expect(file.read()).toBe(good);
    expect(readFileSync(mapPath, "utf8")).toBe("web web\n");
    expect(existsSync(`${mapPath}.staged`)).toBe(false);
  });

  test("a map changed on disk makes the config not hold its text", async () => {
    const { file, mapPath } = mapConfigFile();
    const text = withMap("one", "web web\n");
    file.replace(text);
    expect(file.holds(text)).toBe(true);
    writeFileSync(mapPath, "api api\n");
    expect(file.holds(text)).toBe(false);
    rmSync(mapPath);
    expect(file.holds(text)).toBe(false);
  });

  test("a rollback puts back the last good config and its map; its check reads its map", async () => {
    const { file, maps, mapPath } = mapConfigFile();
    file.replace(withMap("one", "web web\n"));
    file.keepLastGood();
    file.replace(withMap("two", "api api\n"));
    expect(readFileSync(mapPath, "utf8")).toBe("api api\n");
    expect(await file.checkLastGood()).toBe(true);
    expect(maps).toEqual(["web web\n"]);
    expect(existsSync(`${mapPath}.staged`)).toBe(false);
    expect(file.restoreLastGood()).toBe(true);
    expect(file.read()).toBe(withMap("one", "web web\n"));
    expect(readFileSync(mapPath, "utf8")).toBe("web web\n");
  });
});
