// The admin API's access control against the compiled daemon: real TCP listeners (on loopback and
// on 0.0.0.0), the real unix socket, lbctl reload, the bounded sizes Bun and the app enforce, and
// a non-loopback listener without a token refusing to start.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { freePort, waitFor } from "../helpers/ports.ts";
import { SLUICE_BINARY, startSluice, type TestSluice } from "../helpers/sluice.ts";

const LBCTL = join(SLUICE_BINARY, "..", "lbctl");
/** A wrong token, sent to the daemon; neither its answers nor its log may repeat it. */
const GUESS = "guess-7Hq2-never-to-be-echoed";

let etcd: TestEtcd;
let withToken: TestSluice;
let noToken: TestSluice;

/** Until the first haproxy.cfg is applied, GET /v1/config is 404 whatever the token says. */
const applied = (sluice: TestSluice) =>
  waitFor("the first apply", async () => (await fetch(`${sluice.adminUrl}/readyz`)).ok, 15_000);

beforeAll(async () => {
  etcd = await startEtcd();
  [withToken, noToken] = await Promise.all([
    startSluice({ etcdEndpoint: etcd.endpoint }),
    startSluice({ etcdEndpoint: etcd.endpoint, adminToken: false }),
  ]);
  await Promise.all([applied(withToken), applied(noToken)]);
});

afterAll(async () => {
  await withToken?.stop();
  await noToken?.stop();
  await etcd?.stop();
});

type Answer = { status: number; body: { ok?: boolean; code?: string; error?: string } };

async function answer(response: Promise<Response>): Promise<Answer> {
  const done = await response;
  const text = await done.text();
  return { status: done.status, body: text.startsWith("{") ? JSON.parse(text) : { error: text } };
}

const post = (url: string, headers: Record<string, string> = {}, body?: string) =>
  answer(fetch(url, { method: "POST", headers, body }));
const overSocket = (sluice: TestSluice, path: string, init: RequestInit = {}) =>
  answer(fetch(`http://localhost${path}`, { ...init, unix: sluice.adminSocket }));

/** Sends `request` as written on a TCP connection; resolves with the answer's status line. */
function rawStatus(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(request));
    let received = "";
    socket.on("data", (data) => {
      received += data;
    });
    socket.on("close", () => resolve(received.split("\r\n")[0] ?? ""));
    socket.on("error", reject);
  });
}

async function lbctlReload(sluice: TestSluice): Promise<{ code: number; output: string }> {
  const child = Bun.spawn([LBCTL, "reload", "--config", sluice.configFile], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, output: `${out}${err}` };
}

describe("TCP on loopback with a token_file", () => {
  test("a mutation without a token is 401 (WWW-Authenticate: Bearer), a wrong one 403, the right one 200", async () => {
    const url = `${withToken.adminUrl}/v1/reload`;
    const none = await fetch(url, { method: "POST" });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toStartWith("Bearer");
    expect(((await none.json()) as Answer["body"]).code).toBe("unauthorized");
    expect(await post(url, { authorization: `Bearer ${GUESS}` })).toMatchObject({
      status: 403,
      body: { ok: false, code: "forbidden" },
    });
    expect((await withToken.reload()).status).toBe(200);
  });

  test("neither the answers nor the daemon's log hold the token or a wrong guess", async () => {
    const wrong = await fetch(`${withToken.adminUrl}/v1/reload`, {
      method: "POST",
      headers: { authorization: `Bearer ${GUESS}` },
    });
    const text = `${[...wrong.headers].join("\n")}${await wrong.text()}`;
    expect(text).not.toContain(GUESS);
    await withToken.reload();
    expect(withToken.log()).toContain("sluice");
    expect(withToken.log()).not.toContain(GUESS);
    expect(withToken.log()).not.toContain(withToken.adminToken as string);
  });

  test("reads are open on loopback", async () => {
    for (const path of ["/v1/status", "/v1/config", "/v1/services", "/metrics"]) {
      expect((await fetch(`${withToken.adminUrl}${path}`)).status).toBe(200);
    }
  });

  test("a cross-origin text/plain POST (what any web page can send) is refused, even with the token", async () => {
    const headers = {
      authorization: `Bearer ${withToken.adminToken}`,
      origin: "https://evil.example",
      "content-type": "text/plain",
    };
    expect(await post(`${withToken.adminUrl}/v1/reload`, headers, "x")).toMatchObject({
      status: 403,
      body: { code: "forbidden_origin" },
    });
    const sameOrigin = { ...headers, origin: withToken.adminUrl };
    expect(await post(`${withToken.adminUrl}/v1/reload`, sameOrigin, "x")).toMatchObject({
      status: 415,
      body: { code: "unsupported_media_type" },
    });
  });

  test("the status page's own origin may mutate with the token", async () => {
    const headers = { authorization: `Bearer ${withToken.adminToken}`, origin: withToken.adminUrl };
    expect(await post(`${withToken.adminUrl}/v1/reload`, headers)).toMatchObject({
      status: 200,
      body: { ok: true },
    });
  });

  test("a Host that is not a loopback name (DNS rebinding) is refused on the loopback listener", async () => {
    const port = Number(new URL(withToken.adminUrl).port);
    const get = (host: string) =>
      rawStatus(port, `GET /v1/config HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(await get(`evil.example:${port}`)).toContain(" 403 ");
    expect(await get(`localhost:${port}`)).toContain(" 200 ");
  });
});

describe("bounded requests", () => {
  test("a 70 KB JSON body is 413 with a JSON error; 2 MiB is refused by Bun itself", async () => {
    const headers = {
      authorization: `Bearer ${withToken.adminToken}`,
      "content-type": "application/json",
    };
    const big = JSON.stringify({ pad: "x".repeat(70_000) });
    expect(await post(`${withToken.adminUrl}/v1/reload`, headers, big)).toMatchObject({
      status: 413,
      body: { ok: false, code: "too_large" },
    });
    const huge = JSON.stringify({ pad: "x".repeat(2 * 1024 * 1024) });
    expect((await post(`${withToken.adminUrl}/v1/reload`, headers, huge)).status).toBe(413);
    // The socket too, and a chunked body (no Content-Length) is counted as it arrives.
    const chunked = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new Uint8Array(10_000).fill(32));
        controller.close();
      },
    });
    const streamed = await overSocket(withToken, "/v1/reload", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: chunked,
    });
    expect(streamed).toMatchObject({ status: 413, body: { code: "too_large" } });
  });

  test("headers over 16 KiB are 431; 8 KiB pass", async () => {
    const port = Number(new URL(withToken.adminUrl).port);
    const get = (bytes: number) =>
      rawStatus(
        port,
        `GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${"a".repeat(bytes)}\r\nConnection: close\r\n\r\n`,
      );
    expect(await get(8 * 1024)).toContain(" 200 ");
    expect(await get(17 * 1024)).toContain(" 431 ");
    expect(await get(64 * 1024)).toContain(" 431 ");
    const longUrl = `GET /v1/status?x=${"a".repeat(20_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;
    expect(await rawStatus(port, longUrl)).toContain(" 431 ");
  });
});

describe("the unix socket", () => {
  test("mutates without a token, configured or not", async () => {
    for (const sluice of [withToken, noToken]) {
      expect(await overSocket(sluice, "/v1/reload", { method: "POST" })).toMatchObject({
        status: 200,
        body: { ok: true },
      });
    }
  });

  test("lbctl reload works over it, with a token_file configured and without", async () => {
    for (const sluice of [withToken, noToken]) {
      const run = await lbctlReload(sluice);
      expect(run.output).toContain("reload done");
      expect(run.code).toBe(0);
    }
  });
});

describe("TCP without a token_file", () => {
  test("a mutation is refused 403, saying how to set token_file; reads stay open", async () => {
    const refused = await post(`${noToken.adminUrl}/v1/reload`);
    expect(refused).toMatchObject({ status: 403, body: { code: "no_token_configured" } });
    expect(refused.body.error).toContain('token_file = "/etc/sluice/admin.token"');
    expect((await fetch(`${noToken.adminUrl}/v1/config`)).status).toBe(200);
  });
});

describe("a listener not on loopback", () => {
  test("with a token: reads need it too, the probes stay open", async () => {
    const exposed = await startSluice({ etcdEndpoint: etcd.endpoint, adminHost: "0.0.0.0" });
    try {
      await applied(exposed);
      const url = (path: string) => `${exposed.adminUrl}${path}`;
      expect((await fetch(url("/v1/config"))).status).toBe(401);
      expect((await fetch(url("/v1/status"))).status).toBe(401);
      const wrong = { headers: { authorization: `Bearer ${GUESS}` } };
      expect((await fetch(url("/v1/config"), wrong)).status).toBe(403);
      expect((await exposed.adminFetch("/v1/config")).status).toBe(200);
      expect((await exposed.adminFetch("/v1/status")).status).toBe(200);
      expect((await fetch(url("/healthz"))).status).toBe(200);
      expect((await exposed.reload()).status).toBe(200);
    } finally {
      await exposed.stop();
    }
  });

  test("without a token, sluice refuses to start, naming admin.listen and admin.token_file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-exposed-"));
    const port = freePort();
    try {
      const file = join(dir, "sluice.toml");
      writeFileSync(
        file,
        `state_dir = "state"\n[etcd]\nendpoints = ["${etcd.endpoint}"]\n[haproxy]\nruntime_dir = "run"\nbind = "127.0.0.1:${freePort()}"\n[admin]\nlisten = "0.0.0.0:${port}"\n`,
      );
      const child = Bun.spawn([SLUICE_BINARY, "serve", "--config", file], {
        cwd: dir,
        stdout: "pipe",
        stderr: "pipe",
      });
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const [out, err, code] = await Promise.all([
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
        child.exited,
      ]);
      clearTimeout(timer);
      expect(code).toBe(1);
      const output = `${out}${err}`;
      expect(output).toContain(`${file}:`);
      expect(output).toContain(
        `admin.token_file: is required when admin.listen ("0.0.0.0:${port}")`,
      );
      expect(output).toContain('token_file = "/etc/sluice/admin.token"');
      // Nothing was served or written: no admin port, no haproxy.cfg.
      expect(await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => "refused")).toBe(
        "refused",
      );
      expect(existsSync(join(dir, "state", "haproxy.cfg"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
