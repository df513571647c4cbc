// `lbctl register` and `lbctl deregister`, the compiled executable, against a real etcd and a
// real sluice with HAProxy and backends on loopback: registration on a lease, SIGTERM, drain on
// stop, SIGKILL, a stalled registrar, an etcd restart, deregister, and bad input.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBackendPool } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { waitFor } from "../helpers/ports.ts";
import {
  assertCleanOutput,
  SLUICE_BINARY,
  startSluice,
  type TestSluice,
} from "../helpers/sluice.ts";

const LBCTL = join(SLUICE_BINARY, "..", "lbctl");
const backends = createBackendPool();
const started: Bun.Subprocess[] = [];
let etcd: TestEtcd;
let sluice: TestSluice;
let dir: string;
let runs = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "sluice-register-"));
  etcd = await startEtcd();
  // Deregistering the last server of a service must empty it: the removal guards allow it here.
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    extraToml: "[apply]\nallow_empty = true\nmax_drop_percent = 100\n",
  });
  // svc-a exists and HAProxy runs before the first test measures anything.
  const first = backends.start("reg-a0");
  await etcd.client.put("/apps/svc-a/a0").value(`reg-a0 ${first.address}`);
  await waitFor("reg-a0 to take traffic", async () => (await routedTo("svc-a")) === "reg-a0", 5000);
});

afterAll(async () => {
  for (const child of started) child.kill("SIGKILL");
  const code = await sluice?.stop();
  backends.stopAll();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
  expect(code).toBe(0);
});

type Registration = { child: Bun.Subprocess; logFile: string; log(): string; spawnedAt: number };

/** Spawns `lbctl register ...args`; its stderr goes to a file read by log(). */
function register(args: string[]): Registration {
  const logFile = join(dir, `register-${++runs}.log`);
  const child = Bun.spawn([LBCTL, "register", ...args], {
    stdin: "ignore",
    stdout: Bun.file(`${logFile}.out`),
    stderr: Bun.file(logFile),
  });
  started.push(child);
  const log = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  return { child, logFile, log, spawnedAt: Date.now() };
}

/** Waits for the registrar to exit; checks that everything it wrote was a log line. */
async function exitCode(registration: Registration, timeoutMs = 10_000): Promise<number | null> {
  const timer = setTimeout(() => registration.child.kill("SIGKILL"), timeoutMs);
  await registration.child.exited;
  clearTimeout(timer);
  assertCleanOutput(registration.log(), readFileSync(`${registration.logFile}.out`, "utf8"));
  return registration.child.exitCode;
}

/** The value and lease ID (digits: IDs do not fit a JS number) at `key`, via etcdctl. */
async function readKey(key: string): Promise<{ value: string; lease: string } | undefined> {
  const out = await etcd.etcdctl(["get", key, "-w", "json"]);
  const value = /"value":"([^"]*)"/.exec(out)?.[1];
  if (value === undefined) return undefined;
  const lease = /"lease":(\d+)/.exec(out)?.[1] ?? "0";
  return { value: Buffer.from(value, "base64").toString("utf8"), lease };
}

/** The body of one request to `service` through HAProxy (its status when not 200). */
async function routedTo(service: string): Promise<string> {
  const response = await sluice.get("/", { headers: { host: service, connection: "close" } });
  return response.status === 200 ? await response.text() : `HTTP ${response.status}`;
}

const ETCD = () => ["--etcd", etcd.endpoint, "--config", "/dev/null"];

describe("lbctl register", () => {
  test("takes traffic within 1 s; SIGTERM deletes the key, revokes the lease and exits 0", async () => {
    const backend = backends.start("reg-a");
    // [etcd] endpoints and prefix from the daemon's own sluice.toml.
    const registration = register(["svc-a", backend.address, "--config", sluice.configFile]);
    await waitFor(
      "reg-a to take traffic",
      async () => (await routedTo("svc-a")) === "reg-a",
      3000,
      5,
    );
    const elapsed = Date.now() - registration.spawnedAt;
    console.log(`lbctl register spawned → first routed request: ${elapsed} ms`);
    expect(elapsed).toBeLessThan(1000);

    const key = `/apps/svc-a/127.0.0.1-${backend.port}`;
    const kv = await readKey(key);
    expect(JSON.parse(kv!.value)).toEqual({
      addr: backend.address,
      name: `127.0.0.1-${backend.port}`,
      weight: 1,
      meta: {},
    });
    expect(kv!.lease).not.toBe("0");

    registration.child.kill("SIGTERM");
    expect(await exitCode(registration)).toBe(0);
    expect(await readKey(key)).toBeUndefined();
    expect(await etcd.etcdctl(["lease", "list"])).not.toContain(BigInt(kv!.lease).toString(16));
    const hits = backend.hits;
    await waitFor(
      "only reg-a0 to answer",
      async () =>
        (await Promise.all([1, 2, 3, 4].map(() => routedTo("svc-a")))).every(
          (name) => name === "reg-a0",
        ),
      1000,
      5,
    );
    const after = await Promise.all(Array.from({ length: 8 }, () => routedTo("svc-a")));
    expect(after).toEqual(Array(8).fill("reg-a0"));
    expect(backend.hits - hits).toBeLessThanOrEqual(4);
    const events = registration.log().match(/msg="[^"]*"/g);
    expect(events).toEqual(['msg="registered"', 'msg="stopping"', 'msg="deregistered"']);
  });

  test("the first registration of a new service takes traffic too (the daemon reloads HAProxy for it)", async () => {
    const backend = backends.start("reg-n");
    const registration = register(["svc-new", backend.address, ...ETCD()]);
    await waitFor(
      "reg-n to take traffic",
      async () => (await routedTo("svc-new")) === "reg-n",
      3000,
      5,
    );
    const elapsed = Date.now() - registration.spawnedAt;
    console.log(`lbctl register of a new service spawned → first routed request: ${elapsed} ms`);
    expect(elapsed).toBeLessThan(1500);
    registration.child.kill("SIGTERM");
    expect(await exitCode(registration)).toBe(0);
    await waitFor(
      "svc-new to be empty",
      async () => (await routedTo("svc-new")) === "HTTP 503",
      1000,
      5,
    );
  });

  test("--drain-on-stop: drain on the same lease first, the wait, then the delete", async () => {
    const backend = backends.start("reg-b");
    const key = "/apps/svc-b/b-1";
    const registration = register([
      ...["svc-b", backend.address, "--name", "b-1", "--weight", "5", "--meta", "zone=x"],
      ...["--drain-on-stop", "1500ms", ...ETCD()],
    ]);
    const before = await waitFor("the key", () => readKey(key), 3000, 20);
    registration.child.kill("SIGTERM");
    const stoppedAt = Date.now();
    const drained = await waitFor(
      "drain in etcd",
      async () => {
        const kv = await readKey(key);
        return kv && JSON.parse(kv.value).drain === true ? kv : undefined;
      },
      1000,
      20,
    );
    expect(drained.lease).toBe(before.lease);
    expect(JSON.parse(drained.value)).toEqual({
      ...{ addr: backend.address, name: "b-1", weight: 5, drain: true, meta: { zone: "x" } },
    });
    expect(await exitCode(registration)).toBe(0);
    const took = Date.now() - stoppedAt;
    console.log(`drain-on-stop 1500ms: SIGTERM → exit ${took} ms`);
    expect(took).toBeGreaterThanOrEqual(1500);
    expect(await readKey(key)).toBeUndefined();
    expect(registration.log()).toContain('msg="draining"');
  });

  test("SIGKILL leaves the key until the 2 s TTL ends, and then it goes", async () => {
    const backend = backends.start("reg-c");
    const key = "/apps/svc-c/c-1";
    const registration = register([
      "svc-c",
      backend.address,
      "--name",
      "c-1",
      "--ttl",
      "2s",
      ...ETCD(),
    ]);
    await waitFor("the key", () => readKey(key), 3000, 20);
    registration.child.kill("SIGKILL");
    const killedAt = Date.now();
    await Bun.sleep(800);
    expect(await readKey(key)).toBeDefined();
    await waitFor("the key to expire", async () => (await readKey(key)) === undefined, 5000, 50);
    const gone = Date.now() - killedAt;
    console.log(`SIGKILL → key gone: ${gone} ms (TTL 2 s)`);
    expect(gone).toBeLessThan(3500);
  });

  test("a registrar stalled longer than its TTL gets a new lease and the key back within 2 s", async () => {
    const backend = backends.start("reg-d");
    const key = "/apps/svc-d/d-1";
    const registration = register([
      "svc-d",
      backend.address,
      "--name",
      "d-1",
      "--ttl",
      "2s",
      ...ETCD(),
    ]);
    const before = await waitFor("the key", () => readKey(key), 3000, 20);
    registration.child.kill("SIGSTOP");
    await waitFor("the key to expire", async () => (await readKey(key)) === undefined, 5000, 50);
    registration.child.kill("SIGCONT");
    const resumedAt = Date.now();
    const after = await waitFor("the key back", () => readKey(key), 2000, 20);
    console.log(`stalled registrar resumed → key back: ${Date.now() - resumedAt} ms`);
    expect(after.lease).not.toBe(before.lease);
    await waitFor("reg-d to take traffic", async () => (await routedTo("svc-d")) === "reg-d", 2000);
    expect(registration.log()).toContain('msg="lease lost; registering again"');
    expect(registration.log()).toContain('msg="re-registered"');
    registration.child.kill("SIGINT");
    expect(await exitCode(registration)).toBe(0);
  });

  test("lbctl deregister deletes it; the registrar logs that and exits 0 without putting it back", async () => {
    const backend = backends.start("reg-e");
    const key = "/apps/svc-e/e-1";
    // The first endpoint is down: the next one in order is used.
    const endpoints = `http://127.0.0.1:1,${etcd.endpoint}`;
    const args = ["--etcd", endpoints, "--config", "/dev/null"];
    const registration = register([
      "svc-e",
      backend.address,
      "--name",
      "e-1",
      "--ttl",
      "2s",
      ...args,
    ]);
    await waitFor("the key", () => readKey(key), 3000, 20);
    const deregister = Bun.spawnSync([LBCTL, "deregister", "svc-e", "e-1", ...args]);
    expect(deregister.stdout.toString()).toBe(`deregistered ${key}\n`);
    expect(deregister.exitCode).toBe(0);
    expect(await exitCode(registration, 3000)).toBe(0);
    expect(registration.log()).toContain('msg="registration deleted by someone else; stopping"');
    expect(await readKey(key)).toBeUndefined();
    const again = Bun.spawnSync([LBCTL, "deregister", "svc-e", "e-1", ...args]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr.toString()).toBe(`no registration at ${key}\n`);
  });

  test.each([
    [["svc", "10.0.0.1:99999"], "ADDR: port 99999 is outside 1-65535"],
    [["svc", "10.0.0.1:80", "--weight", "300"], '--weight "300": must be an integer from 0 to 256'],
    [["s v c", "10.0.0.1:80"], 'SVC "s v c": a service name is'],
    [["svc", "10.0.0.1:80", "--ttl", "500ms"], '--ttl "500ms"'],
  ])("bad input %p exits 2 naming the field", (args, message) => {
    const result = Bun.spawnSync([LBCTL, "register", ...args, ...ETCD()]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.toString()).toContain(`lbctl register: ${message}`);
  });

  test("etcd restarted under it (down 3 s, TTL 2 s): the key is back within 2 s of etcd answering, and stays", async () => {
    const backend = backends.start("reg-f");
    const key = "/apps/svc-f/f-1";
    const registration = register([
      "svc-f",
      backend.address,
      "--name",
      "f-1",
      "--ttl",
      "2s",
      ...ETCD(),
    ]);
    await waitFor("reg-f to take traffic", async () => (await routedTo("svc-f")) === "reg-f", 3000);
    await etcd.kill();
    await Bun.sleep(3000);
    await etcd.start();
    const answeredAt = Date.now();
    await waitFor("the key back", () => readKey(key), 2000, 20);
    const back = Date.now() - answeredAt;
    // etcd kept the lease through the restart (it restores leases with a fresh TTL): what
    // matters is that the registrar renews it (or registers again) before that TTL runs out.
    const RECOVERED = /msg="(etcd answers again; lease kept|re-registered)"/;
    await waitFor("the registrar to renew", () => RECOVERED.test(registration.log()), 2000, 10);
    const renewed = Date.now() - answeredAt;
    await waitFor("reg-f to take traffic", async () => (await routedTo("svc-f")) === "reg-f", 2000);
    const routed = Date.now() - answeredAt;
    console.log(
      `etcd answers again → key back: ${back} ms, lease renewed: ${renewed} ms, routed: ${routed} ms`,
    );
    expect(renewed).toBeLessThan(2000);
    expect(routed).toBeLessThan(2000);
    // Longer than the TTL (plus etcd's election-time extension) the restored lease had left.
    await Bun.sleep(4000);
    expect(await readKey(key)).toBeDefined();
    expect(registration.log()).toContain(
      'msg="etcd does not answer; renewing the lease as soon as it does"',
    );
    registration.child.kill("SIGTERM");
    expect(await exitCode(registration)).toBe(0);
    expect(await readKey(key)).toBeUndefined();
  });
});
