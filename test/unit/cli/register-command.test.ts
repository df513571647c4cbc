// `lbctl register` and `lbctl deregister` as commands: input the daemon would reject exits 2
// with a message naming the argument, before any connection to etcd.

import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLbctl as run } from "../../helpers/cli.ts";

// An endpoint nothing listens on: a command that got as far as etcd would fail with 1, not 2.
const NOWHERE = ["--etcd", "http://127.0.0.1:1", "--config", "/dev/null"];

describe("lbctl register", () => {
  test.each([
    ["one argument", ["web"], "needs SVC and ADDR"],
    ["a port too high", ["web", "10.0.0.5:70000"], "ADDR: port 70000 is outside 1-65535"],
    ["a weight too high", ["web", "10.0.0.5:80", "--weight", "1000"], '--weight "1000"'],
    ["a name with a space", ["web", "10.0.0.5:80", "--name", "a b"], '--name "a b"'],
    ["a zero TTL", ["web", "10.0.0.5:80", "--ttl", "0s"], '--ttl "0s"'],
    ["an unknown option", ["web", "10.0.0.5:80", "--frob"], "unknown option --frob"],
    [
      "meta too long",
      ["web", "10.0.0.5:80", "--meta", `k=${"v".repeat(4100)}`],
      "longer than 4096",
    ],
  ])("%s exits 2 naming it", async (_, argv, message) => {
    const result = await run(["register", ...argv, ...NOWHERE]);
    expect(result.code).toBe(2);
    expect(result.out).toBe("");
    expect(result.err).toContain(message);
    expect(result.err).toContain("usage: lbctl register SVC ADDR");
  });

  test("--etcd http:// with a config that sets TLS exits 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-register-unit-"));
    try {
      const file = join(dir, "sluice.toml");
      writeFileSync(file, '[etcd]\nendpoints = ["https://127.0.0.1:2379"]\nca_file = "ca.pem"\n');
      const result = await run([
        "register",
        "web",
        "a:80",
        "--etcd",
        "http://a:1",
        "--config",
        file,
      ]);
      expect(result.code).toBe(2);
      expect(result.err).toContain('--etcd: "http://a:1" must be https://');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a --config file that does not exist exits 1 naming it", async () => {
    const result = await run(["register", "web", "10.0.0.5:80", "--config", "/nonexistent/s.toml"]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("/nonexistent/s.toml: cannot read config");
  });
});

describe("lbctl deregister", () => {
  test("NAME with a / exits 2", async () => {
    const result = await run(["deregister", "web", "a/b", ...NOWHERE]);
    expect(result.code).toBe(2);
    expect(result.err).toContain('NAME "a/b"');
  });

  test("etcd unreachable exits 1 naming the endpoint", async () => {
    const result = await run(["deregister", "web", "x", ...NOWHERE]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("etcd http://127.0.0.1:1");
  });
});
