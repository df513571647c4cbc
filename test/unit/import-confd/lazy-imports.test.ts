// `lbctl import-confd` loads etcd3 (gRPC) only for --copy-v2-keys: the modules its command loads
// at run time, followed through their static imports, never reach it; copy-keys.ts does.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const SRC = join(import.meta.dir, "..", "..", "..", "src");
const transpiler = new Bun.Transpiler({ loader: "ts" });

/** Packages that `entries` (paths under src/) load through static imports. */
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
      if (path.startsWith(".")) queue.push(resolve(dirname(file), path));
      else packages.add(path);
    }
  }
  return packages;
}

describe("import-confd's imports", () => {
  test("the command's modules load no etcd3; the v2 copy does", () => {
    const command = packagesLoadedBy(["import-confd/args.ts", "import-confd/run.ts"]);
    expect([...command].filter((name) => name.startsWith("etcd3"))).toEqual([]);
    expect(command.has("smol-toml")).toBe(true);
    expect(packagesLoadedBy(["import-confd/copy-keys.ts"]).has("etcd3")).toBe(true);
  });
});
