import { describe, expect, test } from "bun:test";
import { createKeyStore } from "../../../src/confd/keystore.ts";

const store = createKeyStore([
  { key: "/app/upstream/app2", value: "10.0.0.2:80" },
  { key: "/app/upstream/app10", value: "10.0.0.10:80" },
  { key: "/app/upstream/app1", value: "10.0.0.1:80" },
  { key: "/app/database/url", value: "db.example.com" },
  { key: "/app/database/user", value: "rob" },
  { key: "/app/name", value: "zeta" },
  { key: "/app/empty", value: "" },
  { key: "/top", value: "t" },
]);

describe("createKeyStore", () => {
  test("getv returns the value, the default for a missing key, and throws without one", () => {
    expect(store.getv("/app/name")).toBe("zeta");
    expect(store.getv("/app/empty", "fallback")).toBe("");
    expect(store.getv("/app/missing", "fallback")).toBe("fallback");
    expect(store.getv("/app/missing", "")).toBe("");
    expect(() => store.getv("/app/missing")).toThrow("key does not exist: /app/missing");
  });

  test("get returns the pair with confd's and sluice's field names, and throws when missing", () => {
    const pair = store.get("/app/name");
    expect([pair.Key, pair.Value, pair.key, pair.value]).toEqual([
      "/app/name",
      "zeta",
      "/app/name",
      "zeta",
    ]);
    expect(() => store.get("/app")).toThrow("key does not exist: /app");
  });

  test("getvs sorts values by value, byte-wise", () => {
    // "0" sorts before ":", so 10.0.0.10:80 comes before 10.0.0.1:80.
    expect(store.getvs("/app/upstream/*")).toEqual(["10.0.0.10:80", "10.0.0.1:80", "10.0.0.2:80"]);
    expect(store.getvs("/app/*")).toEqual(["", "zeta"]);
    expect(store.getvs("/nothing/*")).toEqual([]);
  });

  test("gets sorts pairs by key, byte-wise (app10 before app2)", () => {
    expect(store.gets("/app/upstream/*").map((p) => p.Key)).toEqual([
      "/app/upstream/app1",
      "/app/upstream/app10",
      "/app/upstream/app2",
    ]);
    expect(store.gets("/app/upstream/app?").map((p) => p.Value)).toEqual([
      "10.0.0.1:80",
      "10.0.0.2:80",
    ]);
    expect(store.gets("/app/[dn]*/*").map((p) => p.Key)).toEqual([
      "/app/database/url",
      "/app/database/user",
    ]);
  });

  test("a malformed glob throws Go's error", () => {
    expect(() => store.gets("/app/[")).toThrow("syntax error in pattern: /app/[");
  });

  test("ls lists the names under a directory, leaves and directories, sorted", () => {
    expect(store.ls("/app")).toEqual(["database", "empty", "name", "upstream"]);
    expect(store.ls("/app/")).toEqual(["database", "empty", "name", "upstream"]);
    expect(store.ls("/app/upstream")).toEqual(["app1", "app10", "app2"]);
    expect(store.ls("/ap")).toEqual([]);
    expect(store.ls("/app/nothing")).toEqual([]);
  });

  test("ls of a leaf key lists the leaf itself, as memkv does", () => {
    expect(store.ls("/app/name")).toEqual(["name"]);
  });

  test("lsdir lists only the directories under a directory", () => {
    expect(store.lsdir("/app")).toEqual(["database", "upstream"]);
    expect(store.lsdir("/app/upstream")).toEqual([]);
  });

  test("exists is true only for a leaf key, never for a directory", () => {
    expect(store.exists("/app/name")).toBe(true);
    expect(store.exists("/app/empty")).toBe(true);
    expect(store.exists("/app")).toBe(false);
    expect(store.exists("/app/upstream")).toBe(false);
    expect(store.exists("/nothing")).toBe(false);
  });

  test("a later entry of the same key replaces an earlier one", () => {
    const replaced = createKeyStore([
      { key: "/a", value: "1" },
      { key: "/a", value: "2" },
    ]);
    expect(replaced.getvs("/*")).toEqual(["2"]);
  });
});
