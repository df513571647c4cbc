// Light commands never load gRPC: the modules `lbctl version` and `lbctl status` import at load
// time (static imports, followed through the source tree) never reach etcd3.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const SRC = join(import.meta.dir, "..", "..", "..", "src");
const transpiler = new Bun.Transpiler({ loader: "ts" });

/** Every package a module pulls in at load time, following the static imports of `entries`. */
function packagesLoadedBy(entries: string[]): Set<string> {
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
  return packages;
}

describe("lazy loading", () => {
  test("the entry point and `version` load no etcd3", () => {
    expect(packagesLoadedBy(["main.ts"]).has("etcd3")).toBe(false);
  });

  test("`status` loads no etcd3", () => {
    const status = packagesLoadedBy(["main.ts", "cli/admin-client.ts", "cli/format.ts"]);
    expect(status.has("etcd3")).toBe(false);
  });

  test("`register` and `deregister` do load it (the check above can tell)", () => {
    expect(packagesLoadedBy(["register/run.ts"]).has("etcd3")).toBe(true);
  });
});
