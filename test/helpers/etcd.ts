// Starts real, throwaway etcd servers on loopback for integration tests: one node (optionally
// with TLS), or a cluster whose members can be killed and started again on the same data.

import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Etcd3, type IOptions } from "etcd3";
import { freePort, waitFor } from "./ports.ts";
import { type TlsFiles, tlsFiles } from "./tls.ts";

export type EtcdTlsOptions = {
  /** Directory made by makeTls() (helpers/tls.ts). */
  dir: string;
  /** Require client certificates signed by the CA (`--client-cert-auth`). */
  clientCertAuth: boolean;
};

export type EtcdOptions = {
  /** Serve clients over https with the server certificate from the directory. */
  tls?: EtcdTlsOptions;
  /** More etcd flags, e.g. `--enable-v2=true` (etcd 3.4 still serves the v2 API with it). */
  flags?: string[];
};

export type EtcdctlOptions = {
  /** TLS files: `--cacert`, and the client certificate picked by `clientCert`. */
  tls?: TlsFiles;
  /** Which client certificate to present; default "good" (ignored without `tls`). */
  clientCert?: "good" | "wrong" | "none";
  /** `user:password` for an etcd with auth enabled. */
  user?: string;
  /** Whole command, ms; default 10 s. */
  timeoutMs?: number;
};

/** One etcd process: kill() keeps its data, start() brings it back on the same ports. */
export type EtcdMember = {
  name: string;
  endpoint: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  logFile: string;
  running(): boolean;
  /** The process's id while it runs. */
  pid(): number | undefined;
  /** SIGKILL; the data directory stays. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data; resolves once it answers (unless wait false). */
  start(options?: { wait?: boolean; timeoutMs?: number }): Promise<void>;
  /** Freezes the process (SIGSTOP): it keeps its sockets but answers nothing. */
  freeze(): void;
  thaw(): void;
};

export type TestEtcd = EtcdMember & {
  /** A client for this etcd (authenticated once enableAuth() ran). */
  client: Etcd3;
  tls?: TlsFiles;
  /** `user:password` once enableAuth() ran. */
  user?: string;
  /** Runs etcdctl against this etcd (TLS and user filled in); resolves with stdout. */
  etcdctl(args: string[]): Promise<string>;
  /** Current revision of the store. */
  revision(): Promise<number>;
  /** Compacts the history up to `revision`. */
  compact(revision: number): Promise<void>;
  /** Stops it for good and removes its data. */
  stop(): Promise<void>;
};

export type TestEtcdCluster = {
  members: EtcdMember[];
  endpoints: string[];
  /** A client over all endpoints. */
  client: Etcd3;
  user?: string;
  member(endpoint: string): EtcdMember;
  /** Endpoints of the members that run now. */
  liveEndpoints(): string[];
  /** Runs etcdctl against the live members (or `endpoints`); resolves with stdout. */
  etcdctl(args: string[], endpoints?: string[]): Promise<string>;
  /** Resolves once every running member answers a linearizable read. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  revision(): Promise<number>;
  compact(revision: number): Promise<void>;
  stop(): Promise<void>;
};

// tmpfs when there is one: the tests and the benchmark measure sluice, not etcd's fsync.
const BASE_DIR = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();

/** etcd processes still running, killed if the test process exits without stopping them. */
const alive = new Set<Bun.Subprocess>();
let exitHookInstalled = false;
function track(child: Bun.Subprocess): void {
  alive.add(child);
  void child.exited.then(() => alive.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const c of alive) {
      c.kill("SIGCONT");
      c.kill("SIGKILL");
    }
  });
}

/** Runs `etcdctl` (API v3) and resolves with its stdout; rejects with stderr on failure. */
export async function etcdctl(
  args: string[],
  endpoints: string | string[],
  options: EtcdctlOptions = {},
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const flags = [
    `--endpoints=${[endpoints].flat().join(",")}`,
    "--dial-timeout=2s",
    // etcdctl gives up by itself, with its own message, before it would be killed.
    `--command-timeout=${Math.max(1000, timeoutMs - 1000)}ms`,
  ];
  if (options.tls) {
    flags.push(`--cacert=${options.tls.ca}`);
    const cert = options.clientCert ?? "good";
    if (cert === "good")
      flags.push(`--cert=${options.tls.clientCert}`, `--key=${options.tls.clientKey}`);
    if (cert === "wrong") {
      flags.push(`--cert=${options.tls.wrongClientCert}`, `--key=${options.tls.wrongClientKey}`);
    }
  }
  if (options.user) flags.push(`--user=${options.user}`);
  const child = Bun.spawn(["etcdctl", ...flags, ...args], {
    env: { ...process.env, ETCDCTL_API: "3" },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    timeout: timeoutMs + 2000,
    killSignal: "SIGKILL",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) {
    throw new Error(`etcdctl ${args.join(" ")} exited ${code}: ${stderr.trim() || stdout.trim()}`);
  }
  return stdout;
}

type GetJson = {
  header: { revision: number | string };
  kvs?: { key: string; value?: string }[];
};

/** Every key under `prefix` with its value, and the revision they were read at. */
export async function readPrefix(
  endpoints: string | string[],
  prefix: string,
  options: EtcdctlOptions = {},
): Promise<{ revision: number; kvs: Map<string, string> }> {
  const out = await etcdctl(["get", "--prefix", prefix, "-w", "json"], endpoints, options);
  const parsed = JSON.parse(out) as GetJson;
  const decode = (text: string | undefined) => Buffer.from(text ?? "", "base64").toString("utf8");
  const kvs = new Map<string, string>();
  for (const kv of parsed.kvs ?? []) kvs.set(decode(kv.key), decode(kv.value));
  return { revision: Number(parsed.header.revision), kvs };
}

/** The store's current revision. */
export async function currentRevision(
  endpoints: string | string[],
  options: EtcdctlOptions = {},
): Promise<number> {
  const out = await etcdctl(
    ["get", "/", "--prefix", "--keys-only", "--limit=1", "-w", "json"],
    endpoints,
    options,
  );
  return Number((JSON.parse(out) as GetJson).header.revision);
}

/** Every key under `prefix` with its value (`etcdctl get --prefix`). */
export async function getPrefix(
  endpoints: string | string[],
  prefix: string,
  options: EtcdctlOptions = {},
): Promise<Map<string, string>> {
  return (await readPrefix(endpoints, prefix, options)).kvs;
}

function clientOptions(hosts: string | string[], tls?: TlsFiles, user?: string): IOptions {
  const options: IOptions = { hosts, dialTimeout: 3000 };
  if (tls) {
    // Bun's tls.connect refuses an IP address as the server name, which grpc-js passes by
    // default; the test server certificate also names localhost.
    options.grpcOptions = { "grpc.ssl_target_name_override": "localhost" };
    options.credentials = {
      rootCertificate: readFileSync(tls.ca),
      privateKey: readFileSync(tls.clientKey),
      certChain: readFileSync(tls.clientCert),
    };
  }
  if (user) {
    const colon = user.indexOf(":");
    options.auth = { username: user.slice(0, colon), password: user.slice(colon + 1) };
  }
  return options;
}

type MemberSpec = {
  name: string;
  dir: string;
  clientPort: number;
  peerPort: number;
  scheme: "http" | "https";
  /** Every flag but the per-member ones. */
  flags: string[];
  /** Resolves once the process answers (or throws); polled until start()'s timeout. */
  probe: () => Promise<boolean>;
};

function createMember(spec: MemberSpec): EtcdMember {
  const endpoint = `${spec.scheme}://127.0.0.1:${spec.clientPort}`;
  const peer = `http://127.0.0.1:${spec.peerPort}`;
  const dataDir = join(spec.dir, "data");
  const logFile = join(spec.dir, "etcd.log");
  let child: Bun.Subprocess | undefined;
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const member: EtcdMember = {
    name: spec.name,
    endpoint,
    clientPort: spec.clientPort,
    peerPort: spec.peerPort,
    dataDir,
    logFile,
    running,
    pid: () => (running() ? child?.pid : undefined),
    async kill() {
      if (!child) return;
      const current = child;
      current.kill("SIGCONT");
      current.kill("SIGKILL");
      await current.exited;
    },
    async start(options = {}) {
      if (running()) throw new Error(`etcd ${spec.name} is already running`);
      mkdirSync(spec.dir, { recursive: true });
      // Appends, so the log of every run of this member stays in one file.
      const log = openSync(logFile, "a");
      try {
        child = Bun.spawn(
          [
            "etcd",
            `--name=${spec.name}`,
            `--data-dir=${dataDir}`,
            `--listen-client-urls=${endpoint}`,
            `--advertise-client-urls=${endpoint}`,
            `--listen-peer-urls=${peer}`,
            `--initial-advertise-peer-urls=${peer}`,
            "--logger=zap",
            "--log-outputs=stderr",
            ...spec.flags,
          ],
          { stdin: "ignore", stdout: log, stderr: log },
        );
      } finally {
        closeSync(log);
      }
      track(child);
      if (options.wait === false) return;
      const started = child;
      await waitFor(
        `etcd ${spec.name} (${endpoint}) to answer`,
        async () => {
          if (started.exitCode !== null) throw new Error(`etcd exited ${started.exitCode}`);
          return spec.probe();
        },
        options.timeoutMs ?? 20_000,
        100,
      );
    },
    freeze: () => child?.kill("SIGSTOP"),
    thaw: () => child?.kill("SIGCONT"),
  };
  return member;
}

function tlsFlags(tls: EtcdTlsOptions | undefined): string[] {
  if (!tls) return [];
  const files = tlsFiles(tls.dir);
  return [
    `--cert-file=${files.serverCert}`,
    `--key-file=${files.serverKey}`,
    // etcd 3.4 asks every client for a certificate once it has --trusted-ca-file.
    ...(tls.clientCertAuth ? [`--trusted-ca-file=${files.ca}`, "--client-cert-auth"] : []),
  ];
}

/** One etcd node on free loopback ports; its data lives until stop(). */
export async function startEtcd(options: EtcdOptions = {}): Promise<TestEtcd> {
  const dir = mkdtempSync(join(BASE_DIR, "sluice-etcd-"));
  const clientPort = freePort();
  const peerPort = freePort();
  const tls = options.tls ? tlsFiles(options.tls.dir) : undefined;
  const peer = `http://127.0.0.1:${peerPort}`;
  let etcd: TestEtcd | undefined;
  let probeClient: Etcd3 | undefined;
  const member = createMember({
    name: "test",
    dir,
    clientPort,
    peerPort,
    scheme: tls ? "https" : "http",
    flags: [`--initial-cluster=test=${peer}`, ...tlsFlags(options.tls), ...(options.flags ?? [])],
    // A fresh client each time: the client's circuit breaker would hold back a just-started etcd.
    probe: async () => {
      probeClient?.close();
      probeClient = new Etcd3(clientOptions(member.endpoint, tls, etcd?.user));
      const status = await probeClient.maintenance.status({ deadline: Date.now() + 1000 });
      return Number(status.leader) !== 0;
    },
  });
  let stopped = false;
  const ctl = (args: string[]) => etcdctl(args, member.endpoint, { tls, user: etcd?.user });
  etcd = {
    ...member,
    client: new Etcd3(clientOptions(member.endpoint, tls)),
    tls,
    etcdctl: ctl,
    revision: () => currentRevision(member.endpoint, { tls, user: etcd?.user }),
    async compact(revision) {
      await ctl(["compaction", "--physical", String(revision)]);
    },
    async start(startOptions) {
      await member.start(startOptions);
      probeClient?.close();
      probeClient = undefined;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      probeClient?.close();
      etcd?.client.close();
      await member.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await etcd.start();
    await waitFor(
      "etcd to answer",
      async () => (await etcd?.client.get("/probe").string()) === null,
      15_000,
      50,
    );
  } catch (error) {
    await etcd.stop();
    throw error;
  }
  return etcd;
}

/** `n` etcd members forming one cluster on free loopback ports (plain http). */
export async function startEtcdCluster(n = 3): Promise<TestEtcdCluster> {
  const dir = mkdtempSync(join(BASE_DIR, "sluice-etcd-cluster-"));
  const ports = Array.from({ length: n }, () => ({ client: freePort(), peer: freePort() }));
  const initial = ports.map((p, i) => `m${i}=http://127.0.0.1:${p.peer}`).join(",");
  const token = `sluice-test-${process.pid}-${Date.now()}`;
  let cluster: TestEtcdCluster | undefined;
  const members: EtcdMember[] = ports.map((p, i) => {
    const endpoint = `http://127.0.0.1:${p.client}`;
    return createMember({
      name: `m${i}`,
      dir: join(dir, `m${i}`),
      clientPort: p.client,
      peerPort: p.peer,
      scheme: "http",
      // With a data directory these are ignored: a restarted member rejoins with what it has.
      flags: [
        `--initial-cluster=${initial}`,
        "--initial-cluster-state=new",
        `--initial-cluster-token=${token}`,
      ],
      // Serving clients at all: a 3.4 member only does so once it has joined the cluster.
      probe: async () => {
        const out = await etcdctl(["endpoint", "status", "-w", "json"], endpoint, {
          user: cluster?.user,
          timeoutMs: 3000,
        });
        return out.includes('"header"');
      },
    });
  });
  const liveEndpoints = () => members.filter((m) => m.running()).map((m) => m.endpoint);
  const ctl = (args: string[], endpoints?: string[]) =>
    etcdctl(args, endpoints ?? liveEndpoints(), { user: cluster?.user });
  let stopped = false;
  cluster = {
    members,
    endpoints: members.map((m) => m.endpoint),
    client: new Etcd3(clientOptions(members.map((m) => m.endpoint))),
    liveEndpoints,
    member(endpoint) {
      const found = members.find((m) => m.endpoint === endpoint);
      if (!found) throw new Error(`no member has endpoint ${endpoint}`);
      return found;
    },
    etcdctl: ctl,
    async waitHealthy(timeoutMs = 20_000) {
      await waitFor(
        "every running etcd member to be healthy",
        async () => {
          const live = liveEndpoints();
          const results = await Promise.all(
            live.map((e) => ctl(["get", "/probe", "--consistency=l"], [e]).then(() => true)),
          );
          return results.every(Boolean);
        },
        timeoutMs,
        100,
      );
    },
    revision: () => currentRevision(liveEndpoints(), { user: cluster?.user }),
    async compact(revision) {
      await ctl(["compaction", "--physical", String(revision)]);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      cluster?.client.close();
      await Promise.all(members.map((m) => m.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    // Members start together (each start() spawns before it waits): none answers before a
    // quorum has formed.
    await Promise.all(members.map((m) => m.start()));
    await cluster.waitHealthy();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/**
 * Turns on authentication: adds user root with `password` and the root role, then
 * `auth enable`. Afterwards the target's `client` and etcdctl calls authenticate as root.
 */
export async function enableAuth(
  target: TestEtcd | TestEtcdCluster,
  password: string,
): Promise<void> {
  await target.etcdctl(["user", "add", "root", `--new-user-password=${password}`]);
  await target.etcdctl(["user", "grant-role", "root", "root"]).catch((error: Error) => {
    // Some versions grant the root role when the root user is added.
    if (!/already|granted/i.test(error.message)) throw error;
  });
  await target.etcdctl(["auth", "enable"]);
  const user = `root:${password}`;
  target.user = user;
  target.client.close();
  const hosts = "members" in target ? target.endpoints : target.endpoint;
  target.client = new Etcd3(clientOptions(hosts, "tls" in target ? target.tls : undefined, user));
}

// Comparing what sluice serves with what etcd holds.

/** Entries as `key=value`, in order, for messages and set comparisons. */
export function entries(kvs: Map<string, string>): string[] {
  return [...kvs].map(([key, value]) => `${key}=${value}`).sort();
}

/** What is in etcd but not served (`lost`), and served but not in etcd (`phantom`). */
export function diffKeys(
  inEtcd: Map<string, string>,
  served: Map<string, string>,
): { lost: string[]; phantom: string[] } {
  const etcdSet = new Set(entries(inEtcd));
  const servedSet = new Set(entries(served));
  const lost = [...etcdSet].filter((entry) => !servedSet.has(entry));
  const phantom = [...servedSet].filter((entry) => !etcdSet.has(entry));
  return { lost, phantom };
}

type ServedServer = { key: string; address: string };

/** The model sluice serves (GET /v1/services) as etcd key -> server address. */
export async function servedKeys(adminUrl: string): Promise<Map<string, string>> {
  const response = await fetch(`${adminUrl}/v1/services`);
  if (!response.ok) throw new Error(`GET /v1/services: HTTP ${response.status}`);
  const services = (await response.json()) as { servers: ServedServer[] }[];
  const served = new Map<string, string>();
  for (const service of services) {
    for (const server of service.servers) served.set(server.key, server.address);
  }
  return served;
}

export type Convergence = {
  converged: boolean;
  /** From the call to the first matching poll (or to the timeout). */
  ms: number;
  lost: string[];
  phantom: string[];
  /** status.etcd.revision at the last poll. */
  revision: number;
};

/**
 * Polls sluice until it serves exactly `expected.kvs` (bare `host:port` values) and reports an
 * etcd revision at or past `expected.revision`; never throws for a mismatch: the result says.
 */
export async function waitConverged(
  adminUrl: string,
  expected: { revision: number; kvs: Map<string, string> },
  timeoutMs = 5000,
): Promise<Convergence> {
  const started = Date.now();
  let last: Convergence = {
    converged: false,
    ms: 0,
    lost: entries(expected.kvs),
    phantom: [],
    revision: 0,
  };
  while (true) {
    try {
      const status = (await (await fetch(`${adminUrl}/v1/status`)).json()) as {
        etcd: { revision: number };
      };
      const diff = diffKeys(expected.kvs, await servedKeys(adminUrl));
      const ok =
        status.etcd.revision >= expected.revision &&
        diff.lost.length === 0 &&
        diff.phantom.length === 0;
      last = { converged: ok, ms: Date.now() - started, ...diff, revision: status.etcd.revision };
      if (ok) return last;
    } catch {
      // The admin API answers again in a moment; the timeout bounds this.
    }
    if (Date.now() - started >= timeoutMs) return { ...last, ms: Date.now() - started };
    await Bun.sleep(25);
  }
}
