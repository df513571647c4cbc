// `lbctl reload` (systemd's ExecReload): POST /v1/reload to the daemon --admin names, else the
// configured unix socket; the token when one is configured; exit 0 ok, 1 failure, 2 usage; every
// failure says what to do. It stays light: nothing of gRPC, etcd or the daemon is imported.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { runLbctl } from "../../helpers/cli.ts";

type Answer = { status: number; body: unknown };
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A stand-in daemon on a unix socket and a TCP port; `seen` keeps what each request carried. */
function fakeDaemon(answer: Answer = { status: 200, body: { ok: true, outcome: "reloaded" } }) {
  const dir = mkdtempSync(join(tmpdir(), "sluice-reload-unit-"));
  const seen: Array<{ method: string; path: string; authorization: string | null }> = [];
  const fetch = (request: Request) => {
    seen.push({
      method: request.method,
      path: new URL(request.url).pathname,
      authorization: request.headers.get("authorization"),
    });
    return Response.json(answer.body, { status: answer.status });
  };
  const socket = join(dir, "admin.sock");
  const unix = Bun.serve({ unix: socket, fetch });
  const tcp = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch });
  cleanups.push(() => {
    unix.stop(true);
    tcp.stop(true);
    rmSync(dir, { recursive: true, force: true });
  });
  const config = (toml: string) => {
    const file = join(dir, "sluice.toml");
    writeFileSync(file, toml);
    return file;
  };
  return { dir, socket, url: `http://127.0.0.1:${tcp.port}`, tcpPort: tcp.port, seen, config };
}

const run = runLbctl;

describe("lbctl reload", () => {
  test("POSTs /v1/reload on the configured unix socket and prints the outcome", async () => {
    const daemon = fakeDaemon();
    const file = daemon.config(`[admin]\nsocket = "${daemon.socket}"\n`);
    const result = await run(["reload", "--config", file]);
    expect(result).toEqual({ code: 0, out: "reload done: haproxy reloaded\n", err: "" });
    expect(daemon.seen).toEqual([{ method: "POST", path: "/v1/reload", authorization: null }]);
  });

  test("--json prints the API's answer", async () => {
    const daemon = fakeDaemon();
    const file = daemon.config(`[admin]\nsocket = "${daemon.socket}"\n`);
    const result = await run(["reload", "--config", file, "--json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toEqual({ ok: true, outcome: "reloaded" });
  });

  test("--admin URL wins over the config, and the configured token is sent", async () => {
    const daemon = fakeDaemon();
    writeFileSync(join(daemon.dir, "token"), "s3cret\n");
    const file = daemon.config(`[admin]\nsocket = "${daemon.socket}"\ntoken_file = "token"\n`);
    const result = await run(["reload", "--config", file, "--admin", daemon.url]);
    expect(result.code).toBe(0);
    expect(daemon.seen).toEqual([
      { method: "POST", path: "/v1/reload", authorization: "Bearer s3cret" },
    ]);
  });

  test("the token goes over the unix socket too: the daemon asks for it on every listener", async () => {
    const daemon = fakeDaemon();
    writeFileSync(join(daemon.dir, "token"), "s3cret");
    const file = daemon.config(`[admin]\nsocket = "${daemon.socket}"\ntoken_file = "token"\n`);
    expect((await run(["reload", "--config", file])).code).toBe(0);
    expect(daemon.seen[0]?.authorization).toBe("Bearer s3cret");
  });

  test("with the socket disabled, the configured listen address is used", async () => {
    const daemon = fakeDaemon();
    const file = daemon.config(`[admin]\nsocket = ""\nlisten = "127.0.0.1:${daemon.tcpPort}"\n`);
    expect((await run(["reload", "--config", file])).code).toBe(0);
    expect(daemon.seen).toHaveLength(1);
  });

  test("a reload that failed exits 1, says the old config keeps serving and what to do", async () => {
    const daemon = fakeDaemon({
      status: 500,
      body: { ok: false, error: "haproxy rejected haproxy.cfg: unknown keyword 'frontnd'" },
    });
    const file = daemon.config(`[admin]\nsocket = "${daemon.socket}"\n`);
    const result = await run(["reload", "--config", file]);
    expect(result.code).toBe(1);
    expect(result.out).toBe("");
    expect(result.err).toContain("reload failed: haproxy rejected haproxy.cfg");
    expect(result.err).toContain("HAProxy keeps serving the previous config");
    expect(result.err).toContain("journalctl -u sluice");
    const json = await run(["reload", "--config", file, "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.out)).toEqual({
      ok: false,
      error: "haproxy rejected haproxy.cfg: unknown keyword 'frontnd'",
    });
  });

  test("a refused token exits 1 and points at token_file", async () => {
    const daemon = fakeDaemon({
      status: 401,
      body: { ok: false, error: "missing or wrong bearer token" },
    });
    const file = daemon.config(`[admin]\nsocket = "${daemon.socket}"\n`);
    const result = await run(["reload", "--config", file]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("missing or wrong bearer token");
    expect(result.err).toContain("token_file");
  });

  test("over TCP, a token file it cannot read exits 1 before calling, naming the file", async () => {
    const daemon = fakeDaemon();
    const file = daemon.config(`[admin]\nsocket = "${daemon.socket}"\ntoken_file = "missing"\n`);
    const result = await run(["reload", "--config", file, "--admin", daemon.url]);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`admin.token_file: cannot read ${join(daemon.dir, "missing")}`);
    expect(result.err).toContain("root or group sluice");
    expect(daemon.seen).toHaveLength(0);
  });

  test("on the unix socket (its file mode guards it), an unreadable token file is not needed", async () => {
    const daemon = fakeDaemon();
    const file = daemon.config(`[admin]\nsocket = "${daemon.socket}"\ntoken_file = "missing"\n`);
    expect((await run(["reload", "--config", file])).code).toBe(0);
    expect(daemon.seen).toEqual([{ method: "POST", path: "/v1/reload", authorization: null }]);
  });

  test("--token-file names the token, and one it cannot read stops before calling", async () => {
    const daemon = fakeDaemon();
    writeFileSync(join(daemon.dir, "other"), "0ther\n");
    const file = daemon.config(`[admin]\nsocket = "${daemon.socket}"\ntoken_file = "missing"\n`);
    const other = join(daemon.dir, "other");
    expect((await run(["reload", "--config", file, "--token-file", other])).code).toBe(0);
    expect(daemon.seen[0]?.authorization).toBe("Bearer 0ther");
    const missing = await run(["reload", "--config", file, "--token-file", `${other}.no`]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`--token-file: cannot read ${other}.no: ENOENT`);
    expect(daemon.seen).toHaveLength(1);
  });

  test("no daemon: exit 1, asking whether sluice runs and how to start it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-reload-unit-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "sluice.toml");
    writeFileSync(file, `[admin]\nsocket = "${join(dir, "admin.sock")}"\n`);
    const result = await run(["reload", "--config", file]);
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      `sluice is not running (no socket at ${join(dir, "admin.sock")}): start it with \`sudo systemctl start sluice\``,
    );
  });

  test("a usage error exits 2", async () => {
    const result = await run(["reload", "--frob"]);
    expect(result.code).toBe(2);
    expect(result.err).toContain(
      "usage: lbctl reload [--admin URL] [--config FILE] [--token-file FILE] [--json]",
    );
  });
});

describe("lbctl's light commands", () => {
  /** Every module `entry` imports, statically or lazily, following relative imports. */
  function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
    const files = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (files.has(file)) return;
      files.add(file);
      const source = readFileSync(file, "utf8");
      // Static imports and re-exports (type-only ones are erased), and lazy import("...").
      const statics = source.matchAll(
        /^(?:import|export)\s+(type\s+)?(?:[^;]*?from\s+)?"([^"]+)"/gm,
      );
      const specifiers = [
        ...[...statics].filter((match) => !match[1]).map((match) => match[2]!),
        ...[...source.matchAll(/import\("([^"]+)"\)/g)].map((match) => match[1]!),
      ];
      for (const specifier of specifiers) {
        if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier));
        else packages.add(specifier);
      }
    };
    visit(entry);
    return { files, packages };
  }

  test("reload and status load neither gRPC, etcd3, liquidjs nor the daemon", () => {
    const src = join(import.meta.dir, "..", "..", "..", "src", "cli");
    for (const entry of ["reload.ts", "admin-client.ts", "format.ts"]) {
      const { files, packages } = importGraph(join(src, entry));
      expect([...packages].filter((name) => /etcd3|grpc|liquidjs|hono/.test(name))).toEqual([]);
      expect([...files].filter((file) => /daemon|discovery|render/.test(file))).toEqual([]);
    }
  });
});
