// The compiled lbctl against a running daemon: every command that has an endpoint, as a table and
// as --json, through the unix socket that --config names and through --admin URL; and the two
// messages an operator meets first: sluice is not running, and permission denied on the socket.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBackendPool } from "../helpers/backend.ts";
import { LBCTL_BINARY, runCompiledLbctl } from "../helpers/cli.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

let etcd: TestEtcd;
let sluice: TestSluice;
const pool = createBackendPool();
/** The daemon's [admin] token_file: mutations over TCP need it. */
const tokenDir = mkdtempSync(join(tmpdir(), "sluice-lbctl-token-"));
const tokenFile = join(tokenDir, "token");

/** lbctl through the daemon's unix socket (found from its sluice.toml). */
const viaSocket = (...argv: string[]) => runCompiledLbctl([...argv, "--config", sluice.configFile]);
/** lbctl through the TCP listener. */
const viaTcp = (...argv: string[]) => runCompiledLbctl([...argv, "--admin", sluice.adminUrl]);

async function api(path: string): Promise<unknown> {
  return (await fetch(`${sluice.adminUrl}${path}`)).json();
}

beforeAll(async () => {
  etcd = await startEtcd();
  writeFileSync(tokenFile, "lbctl-test-token\n");
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    // The same token as tokenFile, which the lbctl commands are given with --token-file.
    adminToken: "lbctl-test-token",
    extraToml: `[[service]]\nname = "web"\nhostnames = ["web.example"]\n`,
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
  rmSync(tokenDir, { recursive: true, force: true });
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

  test("drain, maint and ready act on a backend; backends and status show the override", async () => {
    const drained = await viaSocket("drain", "web", "web-a");
    expect(drained).toEqual({
      code: 0,
      out: "web/web-a: drained (lift it with: lbctl ready web web-a)\n",
      err: "",
    });
    const status = await viaSocket("status");
    expect(status.out).toMatch(/\n {2}override web\/web-a: drain since \S+\n/);
    const maint = await viaSocket("maint", "web", "web-a", "--json");
    expect(JSON.parse(maint.out)).toEqual({
      ok: true,
      service: "web",
      backend: "web-a",
      action: "maint",
    });
    const ready = await viaSocket("ready", "web", "web-a");
    expect(ready).toMatchObject({ code: 0, out: "web/web-a: ready\n" });
    expect(JSON.parse((await viaTcp("status", "--json")).out).overrides).toEqual([]);
    const unknown = await viaSocket("drain", "web", "nobody");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("HTTP 404");
  });

  test("over TCP an action needs the token: the messages say which one and where", async () => {
    const none = await viaTcp("drain", "web", "web-a");
    expect(none.code).toBe(1);
    expect(none.err).toContain("the daemon refused the request (HTTP 401");
    expect(none.err).toContain("this needs the admin token: pass --token-file FILE");
    const wrongFile = join(tokenDir, "wrong");
    writeFileSync(wrongFile, "not-the-token\n");
    const wrong = await viaTcp("drain", "web", "web-a", "--token-file", wrongFile);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain(`lbctl sent the token from ${wrongFile}`);
    const right = await viaTcp("ready", "web", "web-a", "--token-file", tokenFile);
    expect(right).toMatchObject({ code: 0, out: "web/web-a: ready\n" });
  });

  test("events lists what happened, oldest first; --json is the API's", async () => {
    expect((await viaSocket("drain", "web", "web-a")).code).toBe(0);
    expect((await viaSocket("ready", "web", "web-a")).code).toBe(0);
    const table = await viaSocket("events", "--limit", "50");
    expect(table.code).toBe(0);
    const lines = table.out.trimEnd().split("\n");
    expect(
      lines.some((line) => / override +service=web backend=web-a .*action=drain\b/.test(line)),
    ).toBe(true);
    expect(lines.every((line) => /^\d{4}-\d\d-\d\dT\S+ +\d+ \w+/.test(line))).toBe(true);
    const json = JSON.parse((await viaTcp("events", "--limit", "2", "--json")).out) as {
      events: { id: number }[];
    };
    expect(json.events).toHaveLength(2);
    expect(json.events[1]!.id).toBe(json.events[0]!.id + 1);
  });

  test("watch prints each event as it happens, and --json one object per line", async () => {
    const child = Bun.spawn([LBCTL_BINARY, "watch", "--json", "--config", sluice.configFile], {
      stdout: "pipe",
      stderr: "pipe",
    });
    let text = "";
    const reading = (async () => {
      for await (const chunk of child.stdout) text += new TextDecoder().decode(chunk);
    })();
    try {
      // lbctl may not have connected yet (it shows only live events): change a key until one
      // of the changes is seen.
      const backend = pool.start("web-c");
      let weight = 0;
      const change = await waitFor(
        "a change event",
        async () => {
          const value = { addr: backend.address, name: "web-c", weight: ++weight };
          await etcd.client.put("/apps/web/c").value(JSON.stringify(value));
          await Bun.sleep(200);
          return text
            .split("\n")
            .filter((line) => line !== "")
            .map((line) => JSON.parse(line))
            .find((event) => event.type === "change");
        },
        10_000,
      ).catch(async (error) => {
        child.kill("SIGINT");
        throw new Error(`${error}: ${text} ${await new Response(child.stderr).text()}`);
      });
      expect(change).toMatchObject({ type: "change", data: { key: "/apps/web/c", kind: "put" } });
    } finally {
      child.kill("SIGINT");
    }
    expect(await child.exited).toBe(0);
    await reading;
  });

  test("plan --diff shows the diff of haproxy.cfg (none while nothing is to be applied)", async () => {
    const json = JSON.parse((await viaSocket("plan", "--diff", "--json")).out) as { diff: string };
    expect(typeof json.diff).toBe("string");
    const table = await viaSocket("plan", "--diff");
    expect(table.code).toBe(0);
    expect(table.out).toContain(
      json.diff === "" ? "(haproxy.cfg would not change)" : json.diff.split("\n")[0]!,
    );
  });

  test("bash completion names the running daemon's services and backends", () => {
    const script = Bun.spawnSync([LBCTL_BINARY, "completion", "bash"]).stdout.toString();
    const words = (line: string) => {
      const program = `${script}\nCOMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _lbctl; echo "\${COMPREPLY[*]}"`;
      return Bun.spawnSync(["bash", "--norc", "-c", program]).stdout.toString().trim();
    };
    const config = `--config ${sluice.configFile}`;
    expect(words(`${LBCTL_BINARY} backends ${config} w`)).toBe("web");
    expect(words(`${LBCTL_BINARY} drain ${config} web web-`).split(" ").sort()).toEqual([
      "web-a",
      "web-b",
      "web-c",
    ]);
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
