// The write path of a [[template]] file, on a temp dir: stage, compare, check, swap.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApplyError } from "../../../src/errors.ts";
import { expandSource, runShellCommand } from "../../../src/resources/shell-command.ts";
import { type FileTarget, writeResourceFile } from "../../../src/resources/write-file.ts";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sluice-write-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function target(overrides: Partial<FileTarget> = {}): FileTarget {
  return {
    dest: join(dir, "app.conf"),
    mode: undefined,
    uid: -1,
    gid: -1,
    checkCmd: "",
    checkTimeoutMs: 5000,
    ...overrides,
  };
}

/** Every file in the dir but dest: a staged file left behind would show here. */
const leftovers = () => readdirSync(dir).filter((name) => name !== "app.conf");

describe("writeResourceFile", () => {
  test("writes a new file with mode 0644 by default, and leaves no staged file", async () => {
    const outcome = await writeResourceFile(target(), "hello\n", runShellCommand);
    expect(outcome).toEqual({ changed: true });
    expect(readFileSync(join(dir, "app.conf"), "utf8")).toBe("hello\n");
    expect(statSync(join(dir, "app.conf")).mode & 0o7777).toBe(0o644);
    expect(leftovers()).toEqual([]);
  });

  test("unchanged output writes nothing: same inode, same mtime", async () => {
    const dest = join(dir, "app.conf");
    await writeResourceFile(target(), "same\n", runShellCommand);
    const before = statSync(dest);
    await Bun.sleep(20);
    const outcome = await writeResourceFile(target(), "same\n", runShellCommand);
    const after = statSync(dest);
    expect(outcome.changed).toBe(false);
    expect(after.ino).toBe(before.ino);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(leftovers()).toEqual([]);
  });

  test("the configured mode is honoured despite the umask, and a mode change alone rewrites", async () => {
    const dest = join(dir, "app.conf");
    await writeResourceFile(target({ mode: 0o600 }), "x\n", runShellCommand);
    expect(statSync(dest).mode & 0o7777).toBe(0o600);
    const outcome = await writeResourceFile(target({ mode: 0o664 }), "x\n", runShellCommand);
    expect(outcome.changed).toBe(true);
    expect(statSync(dest).mode & 0o7777).toBe(0o664);
  });

  test("without a mode, the existing file's mode is kept", async () => {
    const dest = join(dir, "app.conf");
    writeFileSync(dest, "old\n");
    chmodSync(dest, 0o640);
    await writeResourceFile(target(), "new\n", runShellCommand);
    expect(readFileSync(dest, "utf8")).toBe("new\n");
    expect(statSync(dest).mode & 0o7777).toBe(0o640);
  });

  test.if(process.getuid?.() === 0)(
    "uid and gid are applied, and an owner change alone rewrites",
    async () => {
      const dest = join(dir, "app.conf");
      await writeResourceFile(target(), "x\n", runShellCommand);
      expect(statSync(dest).uid).toBe(0);
      const outcome = await writeResourceFile(
        target({ uid: 65534, gid: 65534 }),
        "x\n",
        runShellCommand,
      );
      expect(outcome.changed).toBe(true);
      expect([statSync(dest).uid, statSync(dest).gid]).toEqual([65534, 65534]);
      // -1 keeps the owner the file has now.
      expect((await writeResourceFile(target(), "x\n", runShellCommand)).changed).toBe(false);
      expect(statSync(dest).uid).toBe(65534);
    },
  );

  test("a failing check_cmd keeps the old file, removes the stage and says why", async () => {
    const dest = join(dir, "app.conf");
    writeFileSync(dest, "old\n");
    const check = target({ checkCmd: "echo refused >&2; exit 3" });
    const error = await writeResourceFile(check, "new\n", runShellCommand).catch(
      (caught) => caught,
    );
    expect(error).toBeInstanceOf(ApplyError);
    expect(error.message).toContain(
      `${dest}: check_cmd "echo refused >&2; exit 3" exited with 3: refused`,
    );
    expect(readFileSync(dest, "utf8")).toBe("old\n");
    expect(leftovers()).toEqual([]);
  });

  test("check_cmd sees the staged file at {{.src}}, beside dest and with the new content", async () => {
    const seen = join(dir, "seen");
    const check = target({ checkCmd: `cp {{.src}} ${seen} && echo {{ .src }} >> ${seen}` });
    const outcome = await writeResourceFile(check, "new\n", runShellCommand);
    expect(outcome.changed).toBe(true);
    expect(outcome.check?.ok).toBe(true);
    const [content, path] = readFileSync(seen, "utf8").split("\n");
    expect(content).toBe("new");
    expect(path!.startsWith(join(dir, ".app.conf.sluice-"))).toBe(true);
    rmSync(seen);
    expect(leftovers()).toEqual([]);
  });

  test("an unchanged file runs no check", async () => {
    const marker = join(dir, "ran");
    await writeResourceFile(target(), "x\n", runShellCommand);
    await writeResourceFile(target({ checkCmd: `touch ${marker}` }), "x\n", runShellCommand);
    expect(existsSync(marker)).toBe(false);
  });

  test("a missing directory is an error naming dest", async () => {
    const missing = target({ dest: join(dir, "nope", "app.conf") });
    await expect(writeResourceFile(missing, "x", runShellCommand)).rejects.toThrow(
      `${join(dir, "nope", "app.conf")}: cannot stage`,
    );
  });
});

describe("shell commands", () => {
  test("{{.src}} and {{ .src }} are both replaced", () => {
    expect(expandSource("check {{.src}} {{ .src }} {{.other}}", "/d/.x")).toBe(
      "check /d/.x /d/.x {{.other}}",
    );
  });

  test("a command past its timeout is killed with what it started", async () => {
    const started = performance.now();
    const result = await runShellCommand("sleep 5; echo late", 200);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(result).toMatchObject({ ok: false, timedOut: true, exitCode: null });
    expect(result.output).not.toContain("late");
  });

  test("exit code and output are kept", async () => {
    const result = await runShellCommand("echo out; echo err >&2; exit 4", 5000);
    expect(result).toMatchObject({ ok: false, timedOut: false, exitCode: 4 });
    expect(result.output).toContain("out");
    expect(result.output).toContain("err");
  });
});
