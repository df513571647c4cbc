// etcd over TLS (mutual, or server-verified only) and with password auth: sluice connects with
// the right certificate or password; with a wrong one it keeps running and says which endpoint
// failed and why, without flooding the log, and secrets never show in its log or status.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { enableAuth, startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { waitFor } from "../helpers/ports.ts";
import { SLUICE_BINARY, startSluice, type TestSluice } from "../helpers/sluice.ts";
import { makeTls, type TestTls } from "../helpers/tls.ts";

/** How long a misconfigured sluice is watched for crashes and log floods. */
const WATCH_MS = 5000;

let tls: TestTls;
let web: TestBackend;
/** Password files and the like. */
let secretsDir: string;

beforeAll(() => {
  tls = makeTls();
  web = startBackend("web-1");
  secretsDir = mkdtempSync(join(tmpdir(), "sluice-secrets-"));
}, 30_000);

afterAll(() => {
  web?.stop();
  tls?.cleanup();
  rmSync(secretsDir, { recursive: true, force: true });
});

/** `[etcd]` lines; paths are written as TOML strings. */
function etcdToml(settings: Record<string, string>): string {
  return Object.entries(settings)
    .map(([key, value]) => `${key} = ${JSON.stringify(value)}`)
    .join("\n");
}

/** Registers the web backend and waits until sluice routes to it. */
async function expectRouted(etcd: TestEtcd, sluice: TestSluice): Promise<void> {
  const put = await etcd.client.put("/apps/web/web-1").value(web.address);
  await sluice.waitApplied(put.header.revision, 15_000);
  const status = await sluice.status();
  expect(status.etcd.connected).toBe(true);
  expect(status.etcd.endpoint).toBe(etcd.endpoint);
  expect(await sluice.sample(3, "web")).toEqual(["web-1", "web-1", "web-1"]);
}

/**
 * sluice cannot use etcd: it reports why (naming the endpoint), keeps running and answering,
 * and does not log the failure at every retry.
 */
async function expectRefused(sluice: TestSluice, endpoint: string, why: RegExp): Promise<string> {
  const startedAt = Date.now();
  const status = await waitFor(
    "the etcd error to be reported",
    async () => {
      const s = await sluice.status();
      return !s.etcd.connected && s.etcd.last_error ? s : undefined;
    },
    10_000,
    100,
  );
  const error = status.etcd.last_error ?? "";
  expect(error).toContain(endpoint);
  expect(error).toMatch(why);
  await Bun.sleep(Math.max(0, WATCH_MS - (Date.now() - startedAt)));
  expect(() => process.kill(sluice.pid, 0)).not.toThrow();
  expect((await fetch(`${sluice.adminUrl}/healthz`)).status).toBe(200);
  const later = await sluice.status();
  expect(later.etcd.connected).toBe(false);
  expect(later.etcd.last_error).toContain(endpoint);
  const lines = sluice.log().split("\n");
  const mentions = lines.filter(
    (line) => line.includes(endpoint) || (/etcd/i.test(line) && why.test(line)),
  ).length;
  console.log(`[etcd refused] ${error} (${mentions} of ${lines.length} log lines mention it)`);
  // Retries run every second or so; the same error is logged once per 30 s.
  expect(mentions).toBeLessThanOrEqual(3);
  return error;
}

/** Lines of a PEM file's body long enough to be recognized in a log. */
function pemBody(file: string): string[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.length >= 20 && !line.startsWith("-----"));
}

async function expectNoSecrets(sluice: TestSluice, secrets: string[]): Promise<void> {
  const shown = [
    sluice.log(),
    existsSync(`${sluice.logFile}.out`) ? readFileSync(`${sluice.logFile}.out`, "utf8") : "",
    JSON.stringify(await sluice.status()),
    await (await fetch(`${sluice.adminUrl}/metrics`)).text(),
  ].join("\n");
  for (const secret of secrets) expect(shown.includes(secret)).toBe(false);
}

describe("etcd with mutual TLS", () => {
  let etcd: TestEtcd;

  beforeAll(async () => {
    etcd = await startEtcd({ tls: { dir: tls.dir, clientCertAuth: true } });
  }, 30_000);

  afterAll(async () => {
    await etcd?.stop();
  });

  test("sluice with the CA and a client certificate routes a registered backend", async () => {
    const sluice = await startSluice({
      etcdEndpoint: etcd.endpoint,
      etcdToml: etcdToml({ ca_file: tls.ca, cert_file: tls.clientCert, key_file: tls.clientKey }),
    });
    try {
      await expectRouted(etcd, sluice);
      await expectNoSecrets(sluice, pemBody(tls.clientKey));
    } finally {
      await sluice.stop();
    }
  }, 30_000);

  test("a client certificate from another CA: sluice keeps running and says why", async () => {
    const sluice = await startSluice({
      etcdEndpoint: etcd.endpoint,
      etcdToml: etcdToml({
        ca_file: tls.ca,
        cert_file: tls.wrongClientCert,
        key_file: tls.wrongClientKey,
      }),
    });
    try {
      await expectRefused(sluice, etcd.endpoint, /certificate|tls|ssl|handshake/i);
      await expectNoSecrets(sluice, pemBody(tls.wrongClientKey));
    } finally {
      expect(await sluice.stop()).toBe(0);
    }
  }, 30_000);

  test("a CA that did not sign etcd's certificate: sluice keeps running and says why", async () => {
    const sluice = await startSluice({
      etcdEndpoint: etcd.endpoint,
      etcdToml: etcdToml({
        ca_file: tls.wrongCa,
        cert_file: tls.clientCert,
        key_file: tls.clientKey,
      }),
    });
    try {
      await expectRefused(sluice, etcd.endpoint, /certificate|verify|tls|ssl/i);
    } finally {
      expect(await sluice.stop()).toBe(0);
    }
  }, 30_000);
});

describe("etcd with server-verified TLS only", () => {
  let etcd: TestEtcd;

  beforeAll(async () => {
    etcd = await startEtcd({ tls: { dir: tls.dir, clientCertAuth: false } });
  }, 30_000);

  afterAll(async () => {
    await etcd?.stop();
  });

  test("sluice with just ca_file (relative to the config file) routes a backend", async () => {
    // startSluice writes sluice.toml into a fresh directory right under tmpdir().
    const ca = relative(join(tmpdir(), "sluice-test-dir"), tls.ca);
    const sluice = await startSluice({
      etcdEndpoint: etcd.endpoint,
      etcdToml: etcdToml({ ca_file: ca }),
    });
    try {
      expect(dirname(sluice.dir)).toBe(tmpdir());
      await expectRouted(etcd, sluice);
    } finally {
      await sluice.stop();
    }
  }, 30_000);
});

describe("etcd with password auth", () => {
  let etcd: TestEtcd;
  const password = `pw-${crypto.randomUUID()}`;
  const wrongPassword = `wrong-${crypto.randomUUID()}`;

  beforeAll(async () => {
    etcd = await startEtcd();
    await enableAuth(etcd, password);
    writeFileSync(join(secretsDir, "password"), `${password}\n`, { mode: 0o600 });
    writeFileSync(join(secretsDir, "wrong-password"), `${wrongPassword}\n`, { mode: 0o600 });
  }, 30_000);

  afterAll(async () => {
    await etcd?.stop();
  });

  test("sluice with username and password_file routes a backend, and never shows the password", async () => {
    const sluice = await startSluice({
      etcdEndpoint: etcd.endpoint,
      etcdToml: etcdToml({ username: "root", password_file: join(secretsDir, "password") }),
    });
    try {
      await expectRouted(etcd, sluice);
      await expectNoSecrets(sluice, [password]);
    } finally {
      await sluice.stop();
    }
  }, 30_000);

  test("a wrong password: sluice keeps running, names the endpoint, shows no password", async () => {
    const sluice = await startSluice({
      etcdEndpoint: etcd.endpoint,
      etcdToml: etcdToml({ username: "root", password_file: join(secretsDir, "wrong-password") }),
    });
    try {
      await expectRefused(sluice, etcd.endpoint, /auth/i);
      await expectNoSecrets(sluice, [password, wrongPassword]);
    } finally {
      expect(await sluice.stop()).toBe(0);
    }
  }, 30_000);
});

describe("credential files that cannot be read", () => {
  test("stop `sluice serve` at once, naming the field and the file", async () => {
    const config = join(secretsDir, "missing-key.toml");
    writeFileSync(
      config,
      [
        `state_dir = ${JSON.stringify(join(secretsDir, "state"))}`,
        "[etcd]",
        'endpoints = ["https://127.0.0.1:1"]',
        `cert_file = ${JSON.stringify(tls.clientCert)}`,
        'key_file = "no-such-key.pem"',
        "[haproxy]",
        `runtime_dir = ${JSON.stringify(join(secretsDir, "run"))}`,
        `config = ${JSON.stringify(join(secretsDir, "haproxy.cfg"))}`,
      ].join("\n"),
    );
    const child = Bun.spawn([SLUICE_BINARY, "serve", "--config", config], {
      stdout: "ignore",
      stderr: "pipe",
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    const code = await child.exited;
    clearTimeout(timer);
    const stderr = await new Response(child.stderr).text();
    expect(code).toBe(1);
    expect(stderr).toContain(
      `etcd.key_file: cannot read ${join(secretsDir, "no-such-key.pem")}: ENOENT`,
    );
  });
});
