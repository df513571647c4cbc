// `lbctl check` refuses what `sluice serve` refuses: both go through config resolution and preflight.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkOffline } from "../../../src/cli/check.ts";
import { loadConfig } from "../../../src/config/load.ts";
import { describeError } from "../../../src/errors.ts";
import { preflight } from "../../../src/pipeline.ts";

let dir = "";
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `text` as sluice.toml in a fresh directory; returns its path. */
function writeConfig(text: string): string {
  dir = mkdtempSync(join(tmpdir(), "sluice-check-"));
  const file = join(dir, "sluice.toml");
  writeFileSync(file, text);
  return file;
}

/** What `sluice serve` and `serve --once` do before they start anything. */
function serveValidation(file: string): string | undefined {
  try {
    preflight(loadConfig(file));
    return undefined;
  } catch (error) {
    return describeError(error);
  }
}

const HOSTILE: [string, string, RegExp][] = [
  [
    "an admin port out of range",
    '[admin]\nlisten = "127.0.0.1:99999"\n',
    /sluice\.toml:2: admin\.listen: the port must be from 1 to 65535/,
  ],
  [
    "a runtime_dir that would add a stats socket line",
    '[haproxy]\nruntime_dir = "/tmp/x/evil.sock mode 666 level admin\\nstats socket /tmp/y"\n',
    /sluice\.toml:2: haproxy\.runtime_dir: must not contain control characters/,
  ],
  [
    "a token_file that does not exist",
    '[admin]\nlisten = "0.0.0.0:9600"\ntoken_file = "missing-token"\n',
    /sluice\.toml: admin\.token_file: cannot read .*missing-token: ENOENT/,
  ],
  [
    "a resync_interval no timer can hold",
    '[etcd]\nresync_interval = "720h"\n',
    /sluice\.toml:2: etcd\.resync_interval: must be at most 2147483647ms/,
  ],
  [
    "a bind port out of range",
    '[haproxy]\nbind = "*:70000"\n',
    /sluice\.toml:2: haproxy\.bind: the port must be from 1 to 65535/,
  ],
];

describe("lbctl check and sluice serve share one validation", () => {
  for (const [what, text, message] of HOSTILE) {
    test(`check refuses ${what}, with the message serve gives`, async () => {
      const file = writeConfig(text);
      const result = await checkOffline(file);
      expect(result.ok).toBe(false);
      expect(result.error).toMatch(message);
      expect(serveValidation(file)).toBe(result.error);
    });
  }
});

describe("lbctl check parses every [[template]] src", () => {
  const resource = (src: string, dest: string) =>
    `[[template]]\nsrc = "${src}"\ndest = "${dest}"\nkeys = ["/app"]\n`;

  test("each src that parses is listed as checked", async () => {
    const file = writeConfig(
      resource("a.liquid", "/tmp/sluice-check-a.conf") + resource("b.liquid", "/tmp/b.conf"),
    );
    writeFileSync(join(dir, "a.liquid"), '{{ "/app/a" | getv: "x" }}\n');
    writeFileSync(join(dir, "b.liquid"), "{% for v in list %}{{ v }}{% endfor %}\n");
    const result = await checkOffline(file);
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.checked).toEqual([
      file,
      `[[template]] ${join(dir, "a.liquid")}`,
      `[[template]] ${join(dir, "b.liquid")}`,
    ]);
  });

  test("a src that does not parse fails the check, naming src:line", async () => {
    const file = writeConfig(resource("bad.liquid", "/tmp/sluice-check-bad.conf"));
    writeFileSync(join(dir, "bad.liquid"), "line one\n{% if x %}\nnever closed\n");
    const result = await checkOffline(file);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(new RegExp(`^${join(dir, "bad.liquid")}:2: .*not closed`));
    expect(result.checked).toEqual([file]);
  });

  test("a src that is missing fails the check, naming it", async () => {
    const file = writeConfig(resource("missing.liquid", "/tmp/sluice-check-missing.conf"));
    const result = await checkOffline(file);
    expect(result.ok).toBe(false);
    expect(result.error).toContain(join(dir, "missing.liquid"));
  });
});
