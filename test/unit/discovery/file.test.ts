import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createFileDiscovery,
  type FileDiscoveryOptions,
} from "../../../src/discovery/file/file.ts";
import type { FileWatchOptions } from "../../../src/discovery/file/watch.ts";
import type { Discovery, DiscoveryState } from "../../../src/discovery/types.ts";
import { createLogger } from "../../../src/log.ts";
import type { KeyDelta, KeyValue } from "../../../src/model/types.ts";
import { waitFor } from "../../helpers/ports.ts";

type Run = {
  discovery: Discovery;
  changes: { kvs: KeyValue[]; revision: number; delta: readonly KeyDelta[] }[];
  states: DiscoveryState[];
  log: string[];
};

const dirs: string[] = [];
const running: Discovery[] = [];

afterEach(async () => {
  for (const discovery of running.splice(0)) await discovery.stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-file-discovery-"));
  dirs.push(dir);
  return dir;
}

/** Replaces `path` the way editors do: write a new file beside it, rename it over. */
function replaceFile(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

function startDiscovery(path: string, options: FileDiscoveryOptions = {}): Run {
  const log: string[] = [];
  const discovery = createFileDiscovery(
    { path },
    createLogger((line) => log.push(line), { format: "logfmt" }),
    { debounceMs: 10, pollMs: 50, ...options },
  );
  const run: Run = { discovery, changes: [], states: [], log };
  running.push(discovery);
  discovery.start({
    onChange: (update) =>
      run.changes.push({ kvs: update.kvs(), revision: update.revision, delta: update.changes }),
    onState: (state) => run.states.push(state),
  });
  return run;
}

/** A watch the test pokes by hand: nothing is read unless the test says a change happened. */
function manualWatch(): { watch: FileDiscoveryOptions["watch"]; poke(): void } {
  let poke = () => {};
  return {
    watch(options: FileWatchOptions) {
      poke = options.onPoke;
      return { close() {} };
    },
    poke: () => poke(),
  };
}

const keysOf = (kvs: KeyValue[]) => Object.fromEntries(kvs.map((kv) => [kv.key, kv.value]));

describe("file discovery", () => {
  test("a good file is revision 1 at start, every key created at it", () => {
    const path = join(tempDir(), "keys.yaml");
    writeFileSync(path, "apps:\n  web:\n    a: web-a 127.0.0.1:8001\n");
    const run = startDiscovery(path, { watch: manualWatch().watch });
    expect(run.changes).toEqual([
      {
        kvs: [{ key: "/apps/web/a", value: "web-a 127.0.0.1:8001", createRevision: 1 }],
        revision: 1,
        delta: [{ key: "/apps/web/a", value: "web-a 127.0.0.1:8001", createRevision: 1 }],
      },
    ]);
    const state = run.discovery.state();
    expect(state).toMatchObject({ state: "watching", connected: true, synced: true, revision: 1 });
    expect(state.endpoint).toBe(`file:${path}`);
    expect(state.lastError).toBeUndefined();
    expect(run.states.map((s) => s.connected)).toEqual([true]);
  });

  test("a file replaced by rename is noticed (fs.watch): a new key set is the next revision", async () => {
    const path = join(tempDir(), "keys.json");
    writeFileSync(path, JSON.stringify({ "/apps/web/a": "web-a 127.0.0.1:8001" }));
    // A poll too slow to matter: the directory watch must see the rename.
    const run = startDiscovery(path, { pollMs: 50 });
    replaceFile(
      path,
      JSON.stringify({
        "/apps/web/a": "web-a 127.0.0.1:8001",
        "/apps/web/b": "web-b 127.0.0.1:8002",
      }),
    );
    await waitFor("revision 2", () => run.changes.length === 2, 2000);
    expect(run.changes[1]!.revision).toBe(2);
    expect(run.changes[1]!.kvs).toEqual([
      { key: "/apps/web/a", value: "web-a 127.0.0.1:8001", createRevision: 1 },
      { key: "/apps/web/b", value: "web-b 127.0.0.1:8002", createRevision: 2 },
    ]);
    // Only the key that changed is told as a change.
    expect(run.changes[1]!.delta).toEqual([
      { key: "/apps/web/b", value: "web-b 127.0.0.1:8002", createRevision: 2 },
    ]);
    expect(run.discovery.state().revision).toBe(2);
  });

  test("the poll notices what the directory watch cannot: a symlink's target replaced", async () => {
    const linkDir = tempDir();
    const targetDir = tempDir();
    const path = join(linkDir, "keys.yaml");
    writeFileSync(join(targetDir, "real.yaml"), "a: x\n");
    symlinkSync(join(targetDir, "real.yaml"), path);
    const run = startDiscovery(path, { pollMs: 50 });
    replaceFile(join(targetDir, "real.yaml"), "a: y\n");
    await waitFor("revision 2", () => run.changes.length === 2, 2000);
    expect(keysOf(run.changes[1]!.kvs)).toEqual({ "/a": "y" });
  });

  test("the same keys written again, differently formatted, are no new revision", async () => {
    const path = join(tempDir(), "keys.yaml");
    writeFileSync(path, "a: x\n");
    const manual = manualWatch();
    const run = startDiscovery(path, { watch: manual.watch });
    writeFileSync(path, "# a comment\na:   x\n");
    manual.poke();
    await Bun.sleep(50);
    expect(run.changes.map((change) => change.revision)).toEqual([1]);
    writeFileSync(path, "a: y\n");
    manual.poke();
    await waitFor("revision 2", () => run.changes.length === 2, 1000);
    expect(keysOf(run.changes[1]!.kvs)).toEqual({ "/a": "y" });
  });

  test("a broken file keeps the last good keys, says why once, and recovers when fixed", async () => {
    const path = join(tempDir(), "keys.toml");
    writeFileSync(path, 'apps.web.a = "web-a 127.0.0.1:8001"\n');
    const run = startDiscovery(path);
    writeFileSync(path, 'apps.web.a = "web-a 127.0.0.1:8001"\nbroken = \n');
    await waitFor("the error", () => run.discovery.state().lastError, 2000);
    const broken = run.discovery.state();
    expect(broken.connected).toBe(false);
    expect(broken.synced).toBe(true);
    expect(broken.revision).toBe(1);
    expect(broken.lastError).toStartWith(`${path}:2:`);
    expect(run.changes).toHaveLength(1);
    expect(keysOf((await run.discovery.snapshot()).kvs)).toEqual({
      "/apps/web/a": "web-a 127.0.0.1:8001",
    });
    // The same error read again (a poll, another write) is not logged again.
    writeFileSync(path, 'apps.web.a = "web-a 127.0.0.1:8001"\nbroken = \n\n');
    await Bun.sleep(200);
    const warnings = () => run.log.filter((line) => line.includes("key file unusable"));
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain(path);

    writeFileSync(
      path,
      'apps.web.a = "web-a 127.0.0.1:8001"\napps.web.b = "web-b 127.0.0.1:8002"\n',
    );
    await waitFor("revision 2", () => run.changes.length === 2, 2000);
    const fixed = run.discovery.state();
    expect(fixed).toMatchObject({ connected: true, revision: 2, reconnects: 1 });
    expect(fixed.lastError).toBeUndefined();
    expect(keysOf(run.changes[1]!.kvs)).toEqual({
      "/apps/web/a": "web-a 127.0.0.1:8001",
      "/apps/web/b": "web-b 127.0.0.1:8002",
    });
    expect(run.states.map((state) => state.connected)).toEqual([true, false, true]);
  });

  test("a file deleted keeps the keys; put back unchanged it reconnects without a new revision", async () => {
    const path = join(tempDir(), "keys.yaml");
    writeFileSync(path, "a: x\n");
    const run = startDiscovery(path);
    rmSync(path);
    await waitFor("the error", () => run.discovery.state().lastError, 2000);
    expect(run.discovery.state().lastError).toBe(`${path}: cannot read the key file: no such file`);
    writeFileSync(path, "a: x\n");
    await waitFor("connected", () => run.discovery.state().connected, 2000);
    expect(run.changes.map((change) => change.revision)).toEqual([1]);
    expect(run.discovery.state().lastError).toBeUndefined();
  });

  test("a file missing at start is not synced; created later (even its directory) it is", async () => {
    const dir = join(tempDir(), "later");
    const path = join(dir, "keys.json");
    const run = startDiscovery(path);
    const state = run.discovery.state();
    expect(state).toMatchObject({
      state: "watching",
      connected: false,
      synced: false,
      revision: 0,
    });
    expect(state.lastError).toContain("no such file");
    expect(run.changes).toEqual([]);
    await expect(run.discovery.snapshot()).rejects.toThrow(`${path}: cannot read the key file`);
    mkdirSync(dir);
    writeFileSync(path, '{"a": "b"}');
    await waitFor("revision 1", () => run.changes.length === 1, 2000);
    expect(run.changes[0]!.revision).toBe(1);
    expect(run.discovery.state()).toMatchObject({ connected: true, synced: true });
  });

  test("snapshot without start reads the file once", async () => {
    const path = join(tempDir(), "keys.yml");
    writeFileSync(path, "apps:\n  web:\n    - 127.0.0.1:8001\n");
    const discovery = createFileDiscovery(
      { path },
      createLogger(() => {}),
    );
    expect(await discovery.snapshot()).toEqual({
      kvs: [{ key: "/apps/web/0", value: "127.0.0.1:8001", createRevision: 1 }],
      revision: 1,
    });
  });

  test("after stop nothing is read", async () => {
    const path = join(tempDir(), "keys.yaml");
    writeFileSync(path, "a: x\n");
    const run = startDiscovery(path);
    await run.discovery.stop();
    expect(run.discovery.state().state).toBe("stopped");
    replaceFile(path, "a: y\n");
    await Bun.sleep(200);
    expect(run.changes).toHaveLength(1);
  });
});
