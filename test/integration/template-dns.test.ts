// DNS lookups in the main HAProxy template, against a real etcd and the compiled daemon: the
// served config gets the answers (settled after the first render), and so do `lbctl render`,
// `lbctl check` and `sluice serve --once`. Loopback names only.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLbctl } from "../helpers/cli.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { freePort, waitFor } from "../helpers/ports.ts";
import { SLUICE_BINARY, startSluice, type TestSluice } from "../helpers/sluice.ts";

const DEFAULT = readFileSync(join(import.meta.dir, "..", "..", "templates", "haproxy.cfg.liquid"));
const port = freePort();
const TEMPLATE = `${DEFAULT}
# dns localhost {% assign ips = "localhost" | lookupIPV4 %}{{ ips | join: " " }}
backend dns_test
  server dns1 {{ ips | first }}:${port}
`;
const SERVER_LINE = `server dns1 127.0.0.1:${port}\n`;

let etcd: TestEtcd;
let sluice: TestSluice;

beforeAll(async () => {
  etcd = await startEtcd();
  sluice = await startSluice({ etcdEndpoint: etcd.endpoint, template: TEMPLATE });
  await etcd.client.put("/apps/web/a").value(`a 127.0.0.1:${freePort()}`);
});

afterAll(async () => {
  await sluice?.stop();
  await etcd?.stop();
});

test("the served config has the template's DNS answers", { timeout: 20_000 }, async () => {
  const config = await waitFor(
    "a config with the DNS answer",
    async () => {
      const response = await sluice.adminFetch("/v1/config");
      const text = response.ok ? await response.text() : "";
      return text.includes(SERVER_LINE) && text.includes("backend web\n") ? text : undefined;
    },
    15_000,
  ).catch((error) => {
    throw new Error(`${error.message}\n${sluice.log()}`);
  });
  expect(config).toContain("# dns localhost 127.0.0.1\n");
  // The first render had no answer yet: the daemon settled it and rendered again.
  expect(sluice.log()).toContain("DNS answers of the template changed; rendering again");
  expect(readFileSync(sluice.renderedFile, "utf8")).toContain(SERVER_LINE);
  const status = await sluice.status();
  expect(status.apply.last_error).toBeNull();
  expect(status.haproxy.running).toBe(true);
});

test("lbctl render and lbctl check render the answers offline", async () => {
  // lbctl render reads the snapshot the daemon saves once it has applied etcd's keys.
  const rendered = await waitFor(
    "lbctl render with the registration",
    async () => {
      const result = await runLbctl(["render", "--config", sluice.configFile]);
      return result.code === 0 && result.out.includes("backend web\n") ? result : undefined;
    },
    10_000,
  );
  expect(rendered.out).toContain(SERVER_LINE);
  expect(rendered.out).toContain("# dns localhost 127.0.0.1\n");
  const checked = await runLbctl(["check", "--config", sluice.configFile]);
  expect(checked.err).toBe("");
  expect(checked.code).toBe(0);
  expect(checked.out).toContain("haproxy -c");
});

test("sluice serve --once writes the answers", () => {
  // A copy of the daemon's config in a directory of its own: its state_dir and files are apart.
  const dir = mkdtempSync(join(tmpdir(), "sluice-dns-once-"));
  try {
    writeFileSync(join(dir, "sluice.toml"), readFileSync(sluice.configFile));
    writeFileSync(join(dir, "haproxy.cfg.liquid"), TEMPLATE);
    writeFileSync(join(dir, "admin.token"), readFileSync(join(sluice.dir, "admin.token")));
    const configFile = join(dir, "sluice.toml");
    const once = Bun.spawnSync([SLUICE_BINARY, "serve", "--once", "--config", configFile], {
      cwd: dir,
    });
    expect(once.stderr.toString()).toBe("");
    expect(once.exitCode).toBe(0);
    const text = readFileSync(join(dir, "state", "haproxy.cfg"), "utf8");
    expect(text).toContain(SERVER_LINE);
    expect(text).toContain("backend web\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
