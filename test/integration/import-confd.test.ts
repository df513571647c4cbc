// `lbctl import-confd` on the seed's exact confd files, with only the etcd address and the ports
// changed for loopback, then the compiled sluice on its output with a real HAProxy: requests
// through the seed's frontend reach the backends registered the way the seed's template reads
// them (`getvs "/app/your_awesome_app*"`: keys /app/your_awesome_app-N, values "name host:port"),
// also after adding and removing one. The same cases run for each discovery source. And
// `--copy-v2-keys` copies a running v2 store's keys into v3.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { runLbctl } from "../helpers/cli.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { freePort, waitFor } from "../helpers/ports.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

const FIXTURE = join(import.meta.dir, "..", "fixtures", "seed-confd");
/** The seed's placeholder for the etcd address in confd.toml. */
const SEED_NODE = '"http://<address that points to one of your CoreOS nodes>:4001"';
const KEY = (n: number) => `/app/your_awesome_app-${n}`;

/** Where the keys live for one run: etcd, or the key file of `discovery = "file"`. */
type KeySource = {
  name: string;
  start(): Promise<void>;
  /** confd.toml of the copied confdir, pointed at this source. */
  confdToml(seed: string): string;
  /** Replaces every key with `keys`. */
  write(keys: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
};

function etcdSource(): KeySource {
  let etcd: TestEtcd;
  return {
    name: "etcd",
    async start() {
      etcd = await startEtcd();
    },
    // Only the address: the seed's confd.toml stays as it is.
    confdToml: (seed) => seed.replace(SEED_NODE, JSON.stringify(etcd.endpoint)),
    async write(keys) {
      await etcd.client.delete().prefix("/app/");
      for (const [key, value] of Object.entries(keys)) await etcd.client.put(key).value(value);
    },
    stop: async () => etcd?.stop(),
  };
}

function fileSource(): KeySource {
  const dir = mkdtempSync(join(tmpdir(), "sluice-import-keys-"));
  const file = join(dir, "keys.json");
  return {
    name: "file",
    async start() {
      writeFileSync(file, "{}\n");
    },
    // confd's file backend: backend and file change; the rest of the seed's confd.toml stays.
    confdToml: (seed) =>
      seed.replace('backend = "etcd"', `backend = "file"\nfile = [${JSON.stringify(file)}]`),
    async write(keys) {
      writeFileSync(`${file}.tmp`, `${JSON.stringify(keys)}\n`);
      renameSync(`${file}.tmp`, file);
    },
    stop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The seed's confdir copied, with the source's address and loopback ports for its two binds. */
function seedConfdir(
  confdToml: (seed: string) => string,
  httpPort: number,
  statsPort: number,
): string {
  const dir = mkdtempSync(join(tmpdir(), "sluice-import-seed-"));
  cpSync(FIXTURE, dir, { recursive: true });
  const confd = join(dir, "confd.toml");
  writeFileSync(confd, confdToml(readFileSync(confd, "utf8")));
  const template = join(dir, "templates", "haproxy.cfg.tmpl");
  const text = readFileSync(template, "utf8");
  writeFileSync(
    template,
    text
      .replace("bind *:80\n", `bind 127.0.0.1:${httpPort}\n`)
      .replace("bind *:8888\n", `bind 127.0.0.1:${statsPort}\n`),
  );
  return dir;
}

/** The imported sluice.toml, with what a test run needs besides: state and runtime in the test
 * directory, a short hard-stop-after, and the helper's [admin]. */
function runnable(imported: string, adminToml: string): string {
  const haproxy = imported.includes("[haproxy]\n")
    ? imported.replace("[haproxy]\n", '[haproxy]\nruntime_dir = "run"\nhard_stop_after = "5s"\n')
    : imported;
  return `state_dir = "state"\nlog_format = "logfmt"\n${haproxy}\n${adminToml}`;
}

for (const source of [etcdSource(), fileSource()]) {
  describe(`the seed's confd setup, imported, with discovery from ${source.name}`, () => {
    let sluice: TestSluice;
    const backends: TestBackend[] = [];
    let confdir: string;
    let out: string;
    let report: { code: number; out: string; err: string };

    beforeAll(async () => {
      await source.start();
      const httpPort = freePort();
      confdir = seedConfdir(source.confdToml, httpPort, freePort());
      out = mkdtempSync(join(tmpdir(), "sluice-import-out-"));
      report = await runLbctl(["import-confd", confdir, "--out", out, "--force"]);
      for (const n of [1, 2, 3]) backends.push(startBackend(`web-${n}`));
      await source.write({
        [KEY(1)]: `web-1 ${backends[0]!.address}`,
        [KEY(2)]: `web-2 ${backends[1]!.address}`,
      });
      sluice = await startSluice({
        etcdEndpoint: "http://127.0.0.1:9",
        httpPort,
        configText: ({ dir, adminToml }) => {
          cpSync(join(out, "templates"), join(dir, "templates"), { recursive: true });
          return runnable(readFileSync(join(out, "sluice.toml"), "utf8"), adminToml);
        },
      });
    });

    afterAll(async () => {
      const code = await sluice?.stop();
      for (const backend of backends) backend.stop();
      await source.stop();
      for (const dir of [confdir, out]) if (dir) rmSync(dir, { recursive: true, force: true });
      expect(code).toBe(0);
    });

    /** Waits until sampled requests are answered by exactly the backends `names`. */
    async function waitRouting(names: string[]): Promise<void> {
      await waitFor(
        `traffic to exactly ${names.join(", ")}`,
        async () => {
          const seen = new Set(await sluice.sample(9));
          return seen.size === names.length && names.every((name) => seen.has(name));
        },
        10_000,
        50,
      );
    }

    test("the import converts the seed exactly (exit 0) and reports its rewrites", () => {
      expect(report.err).toBe("");
      expect(report.code).toBe(0);
      expect(report.out).toContain("haproxy.cfg.tmpl:17: note: rewritten for HAProxy 2.6");
      expect(report.out).toContain("reload_cmd");
    });

    test("requests through the seed's frontend reach the registered backends", async () => {
      await waitRouting(["web-1", "web-2"]);
      const rendered = readFileSync(sluice.renderedFile, "utf8");
      expect(rendered).toContain(`server web-1 ${backends[0]!.address} cookie A check`);
      expect(rendered).toMatch(/stats socket \S+ mode 600 level admin expose-fd listeners/);
      expect(rendered).not.toMatch(/^\s*daemon\s*$/m);
    });

    test("a backend added, then one removed, follows within seconds", async () => {
      await source.write({
        [KEY(1)]: `web-1 ${backends[0]!.address}`,
        [KEY(2)]: `web-2 ${backends[1]!.address}`,
        [KEY(3)]: `web-3 ${backends[2]!.address}`,
      });
      await waitRouting(["web-1", "web-2", "web-3"]);
      await source.write({
        [KEY(2)]: `web-2 ${backends[1]!.address}`,
        [KEY(3)]: `web-3 ${backends[2]!.address}`,
      });
      await waitRouting(["web-2", "web-3"]);
    });
  });
}

describe("lbctl import-confd --copy-v2-keys", () => {
  let etcd: TestEtcd;
  let confdir: string;
  let out: string;

  beforeAll(async () => {
    // Debian's etcd 3.4 still serves the v2 API when asked; 3.6 no longer can.
    etcd = await startEtcd({ flags: ["--enable-v2=true"] });
    const address = JSON.stringify(etcd.endpoint);
    confdir = seedConfdir((seed) => seed.replace(SEED_NODE, address), freePort(), freePort());
    out = mkdtempSync(join(tmpdir(), "sluice-import-out-"));
  });

  afterAll(async () => {
    await etcd?.stop();
    for (const dir of [confdir, out]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** `PUT /v2/keys<key>` as etcdctl v2's `set` does. */
  async function putV2(key: string, value: string): Promise<void> {
    const response = await fetch(`${etcd.endpoint}/v2/keys${key}`, {
      method: "PUT",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ value }),
    });
    expect(response.ok).toBe(true);
  }

  test("copies the keys under the resource's keys into v3, and reports a differing v3 key", async () => {
    await putV2(KEY(1), "web-1 10.0.0.1:9000");
    await putV2(KEY(2), "web-2 10.0.0.2:9000");
    await putV2("/app/your_awesome_app/dir/3", "web-3 10.0.0.3:9000");
    await putV2("/app/other", "not read by any resource");
    await etcd.client.put(KEY(2)).value("web-2 10.9.9.9:9000");
    const first = await runLbctl(["import-confd", confdir, "--out", out, "--copy-v2-keys"]);
    expect(first.out).toContain("copied 2 of 3 v2 key(s)");
    expect(first.out).toContain(`${KEY(2)}: v3 holds another value, left as it is`);
    expect(first.code).toBe(1);
    expect(await etcd.client.get(KEY(1)).string()).toBe("web-1 10.0.0.1:9000");
    expect(await etcd.client.get("/app/your_awesome_app/dir/3").string()).toBe(
      "web-3 10.0.0.3:9000",
    );
    expect(await etcd.client.get(KEY(2)).string()).toBe("web-2 10.9.9.9:9000");
    expect(await etcd.client.get("/app/other").string()).toBeNull();

    const again = await runLbctl([
      "import-confd",
      confdir,
      "--out",
      out,
      "--force",
      "--copy-v2-keys",
      "--overwrite",
    ]);
    expect(again.out).toContain("copied 1 of 3 v2 key(s)");
    expect(again.out).toContain("(2 already there with the same value)");
    expect(again.code).toBe(0);
    expect(await etcd.client.get(KEY(2)).string()).toBe("web-2 10.0.0.2:9000");
  });
});
