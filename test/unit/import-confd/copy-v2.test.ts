// Reading a v2 store for --copy-v2-keys, against a fake v2 HTTP API: the directory above each
// prefix is listed recursively (so sibling keys such as /app/web-1 are found), only keys under a
// prefix are kept, a missing directory is no keys, and an unreachable endpoint falls over to the
// next one or fails naming the endpoint and the flag etcd needs.

import { describe, expect, test } from "bun:test";
import { readV2Keys } from "../../../src/import-confd/copy-v2.ts";

/** A v2 store of `keys` behind `GET /v2/keys<dir>?recursive=true`; records the paths asked. */
function fakeV2(keys: Record<string, string>, asked: string[] = []): typeof fetch {
  const fake = async (input: string | URL | Request) => {
    const url = new URL(String(input));
    const dir = decodeURIComponent(url.pathname.slice("/v2/keys".length)).replace(/\/$/, "") || "/";
    asked.push(`${url.host}${dir}`);
    expect(url.searchParams.get("recursive")).toBe("true");
    const under = Object.entries(keys).filter(([key]) => dir === "/" || key.startsWith(`${dir}/`));
    if (under.length === 0) return Response.json({ errorCode: 100 }, { status: 404 });
    // Nested as v2 answers: directories hold nodes.
    const root = { key: dir, dir: true, nodes: [] as object[] };
    for (const [key, value] of under) {
      const parts = key.slice(dir === "/" ? 1 : dir.length + 1).split("/");
      let node = root;
      let path = dir === "/" ? "" : dir;
      for (const part of parts.slice(0, -1)) {
        path += `/${part}`;
        let child = node.nodes.find(
          (entry) => (entry as { key: string }).key === path,
        ) as typeof root;
        if (!child) {
          child = { key: path, dir: true, nodes: [] };
          node.nodes.push(child);
        }
        node = child;
      }
      node.nodes.push({ key, value });
    }
    return Response.json({ action: "get", node: root });
  };
  return fake as unknown as typeof fetch;
}

describe("reading a v2 store", () => {
  const store = {
    "/app/your_awesome_app-1": "web-1 10.0.0.1:80",
    "/app/your_awesome_app/dir/2": "web-2 10.0.0.2:80",
    "/app/other": "x",
    "/apps/stupid_server/a": "s 10.0.0.3:80",
  };

  test("lists the parent directory of a prefix and keeps the keys that start with it", async () => {
    const asked: string[] = [];
    const keys = await readV2Keys(
      ["http://e:4001"],
      ["/app/your_awesome_app"],
      fakeV2(store, asked),
    );
    expect([...keys]).toEqual([
      ["/app/your_awesome_app-1", "web-1 10.0.0.1:80"],
      ["/app/your_awesome_app/dir/2", "web-2 10.0.0.2:80"],
    ]);
    expect(asked).toEqual(["e:4001/app"]);
  });

  test("a prefix ending in / lists itself; a missing directory gives no keys", async () => {
    const asked: string[] = [];
    const keys = await readV2Keys(
      ["http://e:4001"],
      ["/apps/", "/nothing/here"],
      fakeV2(store, asked),
    );
    expect([...keys.keys()]).toEqual(["/apps/stupid_server/a"]);
    expect(asked).toEqual(["e:4001/apps", "e:4001/nothing"]);
  });

  test("falls over to the next endpoint; none answering fails naming it", async () => {
    const good = fakeV2(store);
    const flaky = (async (input: string | URL | Request) => {
      if (String(input).includes("down:")) throw new Error("connection refused");
      return good(input);
    }) as unknown as typeof fetch;
    const keys = await readV2Keys(["http://down:4001", "http://e:4001"], ["/app/other"], flaky);
    expect([...keys.keys()]).toEqual(["/app/other"]);
    await expect(readV2Keys(["http://down:4001"], ["/app/other"], flaky)).rejects.toThrow(
      /http:\/\/down:4001: connection refused.*--enable-v2=true/,
    );
  });
});
