// Light commands never load gRPC: the modules `lbctl version` and `lbctl status` import at load
// time (static imports, followed through the source tree) never reach etcd3.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { COMMANDS } from "../../../src/cli/commands.ts";

const SRC = join(import.meta.dir, "..", "..", "..", "src");
const transpiler = new Bun.Transpiler({ loader: "ts" });

/** Every package a module pulls in at load time, following the static imports of `entries`. */
function packagesLoadedBy(entries: string[]): Set<string> {
  return loadedBy(entries).packages;
}

/** The packages and source files (relative to src/) `entries` load, following static imports. */
function loadedBy(entries: string[]): { packages: Set<string>; files: Set<string> } {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const queue = entries.map((entry) => join(SRC, entry));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const { path, kind } of transpiler.scanImports(readFileSync(file, "utf8"))) {
      if (kind !== "import-statement") continue;
      // Embedded assets (templates, package.json) import nothing.
      if (path.startsWith(".")) {
        if (path.endsWith(".ts")) queue.push(resolve(dirname(file), path));
      } else packages.add(path);
    }
  }
  return { packages, files: new Set([...seen].map((file) => relative(SRC, file))) };
}

/** What running `name` loads: the entry point, then what its `run` imports lazily (read from
 * the command's own code), then their static imports. */
function loadedByCommand(name: string): { packages: Set<string>; files: Set<string> } {
  const lazy = [...COMMANDS[name]!.run.toString().matchAll(/import\("\.\/([^"]+)"\)/g)];
  // The colour helper every table command shares is imported lazily outside `run`.
  return loadedBy(["main.ts", "cli/table.ts", ...lazy.map((match) => `cli/${match[1]}`)]);
}

/** The commands that talk to the daemon. */
const DAEMON_COMMANDS = [
  "status",
  "reload",
  "services",
  "backends",
  "config",
  "plan",
  "drain",
  "ready",
  "maint",
  "events",
  "watch",
];
const HEAVY = /^(etcd3|@grpc\/|liquidjs|hono)/;

describe("lazy loading", () => {
  test("the entry point and `version` load no etcd3", () => {
    expect(packagesLoadedBy(["main.ts"]).has("etcd3")).toBe(false);
  });

  test("`status` loads no etcd3", () => {
    const status = packagesLoadedBy(["main.ts", "cli/admin-client.ts", "cli/format.ts"]);
    expect(status.has("etcd3")).toBe(false);
  });

  for (const name of DAEMON_COMMANDS) {
    test(`\`${name}\` loads neither gRPC, etcd3, liquidjs, hono nor the daemon`, () => {
      const { packages, files } = loadedByCommand(name);
      expect([...packages].filter((name) => HEAVY.test(name))).toEqual([]);
      expect(
        [...files].filter((file) => /daemon|discovery|render\/|admin\/app/.test(file)),
      ).toEqual([]);
      // The command's own modules were followed: the check looks at what it really loads.
      expect(files.has("cli/admin-client.ts")).toBe(true);
    });
  }

  test("`render` does load liquidjs (the check above can tell)", () => {
    expect(loadedByCommand("render").packages.has("liquidjs")).toBe(true);
  });

  test("`register` and `deregister` do load it (the check above can tell)", () => {
    expect(packagesLoadedBy(["register/run.ts"]).has("etcd3")).toBe(true);
  });
});
