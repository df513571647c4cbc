// The compiled lbctl against a running daemon: every command that has an endpoint, as a table and
// as --json, through the unix socket that --config names and through --admin URL; and the two
// messages an operator meets first: sluice is not running, and permission denied on the socket.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBackendPool } from "../helpers/backend.ts";
import { runCompiledLbctl } from "../helpers/cli.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

let etcd: TestEtcd;
let sluice: TestSluice;
const pool = createBackendPool();

/** lbctl through the daemon's unix socket (found from its sluice.toml). */
const viaSocket = (...argv: string[]) => runCompiledLbctl([...argv, "--config", sluice.configFile]);
/** lbctl through the TCP listener. */
const viaTcp = (...argv: string[]) => runCompiledLbctl([...argv, "--admin", sluice.adminUrl]);

async function api(path: string): Promise<unknown> {
  return (await fetch(`${sluice.adminUrl}${path}`)).json();
}

beforeAll(async () => {
  etcd = await startEtcd();
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    extraToml: '[[service]]\nname = "web"\nhostnames = ["web.example"]\n',
  });
  const a = pool.start("web-a");
  const b = pool.start("web-b");
  await etcd.client.put("/apps/web/a").value(`web-a ${a.address}`);
  const put = await etcd.client
    .put("/apps/web/b")
    .value(JSON.stringify({ addr: b.address, name: "web-b", weight: 7, drain: true }));
  await sluice.waitApplied(put.header.revision);
});

afterAll(async () => {
  await sluice?.stop();
  pool.stopAll();
  await etcd?.stop();
});

describe("lbctl against the running daemon", () => {
  test("status: etcd, haproxy, apply, counts, health and the default service; --json is the API's", async () => {
    const table = await viaSocket("status");
    expect(table.err).toBe("");
    expect(table.code).toBe(0);
    const lines = table.out.split("\n");
    expect(lines[1]).toStartWith(`etcd:     connected to ${etcd.endpoint}, revision `);
    expect(lines[2]).toMatch(/^haproxy: {2}running \(master-worker, pid \d+, workers 1, /);
    expect(lines[3]).toMatch(/^apply: {4}ok at \S+, revision \d+$/);
    expect(lines[4]).toBe("services: 1, backends: 2, rejected: 0");
    expect(lines[5]).toBe("default:  web");
    expect(lines[6]).toStartWith("health:   ");
    expect(table.out).not.toContain("\x1b[");
    const json = await viaTcp("status", "--json");
    expect(json.code).toBe(0);
    const status = JSON.parse(json.out) as { backends: number; etcd: { endpoint: string } };
    expect(status.backends).toBe(2);
    expect(status.etcd.endpoint).toBe(etcd.endpoint);
  });

  test("services: one aligned row per service; --json is GET /v1/services", async () => {
    const table = await viaSocket("services");
    expect(table.code).toBe(0);
    const [header, row, end] = table.out.split("\n");
    expect(header).toMatch(/^SERVICE +BALANCE +HOSTNAMES +BACKENDS +UP +DOWN +DRAIN$/);
    expect(row).toMatch(/^web +leastconn +web\.example +2 +\d +\d +1$/);
    expect(header!.indexOf("HOSTNAMES")).toBe(row!.indexOf("web.example"));
    expect(end).toBe("");
    const json = await viaTcp("services", "--json");
    expect(JSON.parse(json.out)).toEqual(await api("/v1/services"));
  });

  test("backends SVC: name, address, weight, state, health and override columns", async () => {
    const table = await viaSocket("backends", "web");
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME +ADDRESS +WEIGHT +STATE +HEALTH +SINCE +OVERRIDE +LAST ERROR$/);
    const [a, b] = pool.all();
    expect(lines[1]).toMatch(new RegExp(`^web-a +${a!.address} +1 +ready +\\w+ +\\S+ +- +`));
    expect(lines[2]).toMatch(new RegExp(`^web-b +${b!.address} +7 +drain +\\w+ +\\S+ +- +`));
    const json = await viaTcp("backends", "web", "--json");
    expect(JSON.parse(json.out)).toEqual(await api("/v1/services/web"));
  });

  test("backends of a service that does not exist exits 1 with the API's message", async () => {
    const result = await viaSocket("backends", "nope");
    expect(result.code).toBe(1);
    expect(result.err).toContain('HTTP 404: no service named "nope"');
  });

  test("config prints the served haproxy.cfg; --json wraps it", async () => {
    const served = readFileSync(sluice.renderedFile, "utf8");
    const table = await viaSocket("config");
    expect(table.code).toBe(0);
    expect(table.out).toBe(served);
    const json = await viaTcp("config", "--json");
    expect(JSON.parse(json.out)).toEqual({ config: served });
  });

  test("plan says nothing is to be applied when HAProxy serves what etcd says", async () => {
    const table = await viaSocket("plan");
    expect(table.code).toBe(0);
    expect(table.out).toMatch(/^revision \d+: nothing to apply: HAProxy serves what etcd says\n/);
    const json = await viaTcp("plan", "--json");
    const plan = JSON.parse(json.out) as { plan: { kind: string } };
    expect(plan.plan.kind).toBe("none");
    expect((await viaSocket("plan", "--diff")).code).toBe(0);
  });

  test("reload reloads HAProxy and says so; --json is the API's answer", async () => {
    const before = (await sluice.status()).haproxy.reloads;
    const table = await viaSocket("reload");
    expect(table).toMatchObject({ code: 0, out: "reload done: haproxy reloaded\n" });
    const json = await viaSocket("reload", "--json");
    expect(JSON.parse(json.out)).toEqual({ ok: true, outcome: "reloaded" });
    expect((await sluice.status()).haproxy.reloads).toBe(before + 2);
  });

  test("a missing argument and an unknown flag exit 2 with the usage", async () => {
    const missing = await viaSocket("backends");
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("missing SVC");
    const unknown = await viaSocket("services", "--frob");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("usage: lbctl services");
  });
});

describe("lbctl's messages when the daemon cannot be asked", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sluice-lbctl-"));
    chmodSync(dir, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("no socket: sluice is not running, and how to start it", async () => {
    const config = join(dir, "absent.toml");
    writeFileSync(config, `[admin]\nsocket = "${join(dir, "absent.sock")}"\n`);
    const result = await runCompiledLbctl(["status", "--config", config]);
    expect(result).toEqual({
      code: 1,
      out: "",
      err:
        `lbctl status: sluice is not running (no socket at ${join(dir, "absent.sock")}): ` +
        "start it with `sudo systemctl start sluice` (or pass --admin URL / --config FILE)\n",
    });
  });

  test("a socket root keeps to itself: permission denied, and how to join group sluice", async () => {
    const socket = join(dir, "admin.sock");
    const server = Bun.serve({ unix: socket, fetch: () => Response.json({}) });
    try {
      chmodSync(socket, 0o600);
      const config = join(dir, "private.toml");
      writeFileSync(config, `[admin]\nsocket = "${socket}"\n`);
      chmodSync(config, 0o644);
      const result = await runCompiledLbctl(["services", "--config", config], {
        wrap: (argv) => ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", ...argv],
      });
      expect(result.err).toBe(
        `lbctl services: permission denied on ${socket}: run as root or join group sluice ` +
          "(`sudo usermod -aG sluice $USER`, then log in again)\n",
      );
      expect(result.code).toBe(1);
      // As root the same socket answers: the message above came from the file mode alone.
      expect((await runCompiledLbctl(["services", "--config", config, "--json"])).code).toBe(0);
    } finally {
      server.stop(true);
    }
  });
});
