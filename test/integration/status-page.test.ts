// The status page at `/` in Debian's chromium (playwright-core), on a phone-sized screen, against
// a running daemon: a backend shows within 1 s of its registration in etcd and shows down after
// its checks fail; the page asks nothing of any origin but the admin API's, breaks no CSP rule,
// and sends the operator's token with its actions. SLUICE_SCREENSHOT=1 rewrites
// docs/status-page.png from the run.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { startBackend, type TestBackend } from "../helpers/backend.ts";
import { startEtcd, type TestEtcd } from "../helpers/etcd.ts";
import { startSluice, type TestSluice } from "../helpers/sluice.ts";

const SCREENSHOT = join(import.meta.dir, "..", "..", "docs", "status-page.png");

let etcd: TestEtcd;
let sluice: TestSluice;
let browser: Browser;
let page: Page;
const backends = new Map<string, TestBackend>();
const requests: { url: string; method: string; headers: Record<string, string> }[] = [];
const problems: string[] = [];

async function register(service: string, name: string): Promise<number> {
  const backend = startBackend(name);
  backends.set(name, backend);
  const put = await etcd.client
    .put(`/apps/${service}/${name}`)
    .value(JSON.stringify({ addr: backend.address, name }));
  return Number(put.header.revision);
}

const row = (key: string) => `tr[data-key="${key}"]`;

beforeAll(async () => {
  etcd = await startEtcd();
  sluice = await startSluice({
    etcdEndpoint: etcd.endpoint,
    haproxyToml: "spare_slots = 8",
    extraToml: [
      "[health]",
      'interval = "300ms"',
      'timeout = "250ms"',
      "fall = 2",
      "rise = 1",
      "",
      "[[service]]",
      'name = "web"',
      "",
    ].join("\n"),
  });
  await sluice.waitApplied(await register("web", "a"));
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  page = await context.newPage();
  page.on("request", (request) =>
    requests.push({ url: request.url(), method: request.method(), headers: request.headers() }),
  );
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) problems.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await sluice?.stop();
  for (const backend of backends.values()) backend.stop();
  await etcd?.stop();
});

describe("the status page", () => {
  test("is served with a strict Content-Security-Policy", async () => {
    const response = await fetch(`${sluice.adminUrl}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const policy = response.headers.get("content-security-policy")!;
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(policy).not.toContain("unsafe-inline");
    expect(policy).not.toMatch(/https?:/);
  });

  test("shows the services, backends and etcd's state", async () => {
    await page.goto(`${sluice.adminUrl}/`);
    await page.waitForSelector(`section[data-service="web"] ${row("/apps/web/a")}`);
    expect(await page.textContent(`${row("/apps/web/a")} strong`)).toBe("a");
    await page.waitForFunction('/etcd rev \\d+/.test(document.getElementById("etcd").textContent)');
    expect(await page.textContent("#facts")).toContain("last apply");
  });

  test("shows a backend within 1 s of its registration in etcd", async () => {
    const startedAt = performance.now();
    await register("web", "b");
    await page.waitForSelector(row("/apps/web/b"), { timeout: 2000 });
    const elapsedMs = performance.now() - startedAt;
    expect(elapsedMs).toBeLessThan(1000);
    await page.waitForSelector(`${row("/apps/web/b")}[data-health="up"]`, { timeout: 5000 });
  });

  test("shows a backend down after its checks fail", async () => {
    backends.get("b")!.stop();
    const startedAt = performance.now();
    await page.waitForSelector(`${row("/apps/web/b")}[data-health="down"]`, { timeout: 5000 });
    // fall = 2 checks 300 ms apart, then the next read of HAProxy's states.
    expect(performance.now() - startedAt).toBeLessThan(4000);
    expect(await page.textContent(`${row("/apps/web/b")} .health`)).toBe("down");
    expect(await page.getAttribute(row("/apps/web/a"), "data-health")).toBe("up");
    await page.waitForFunction(
      'document.getElementById("activity").textContent.includes("web/b: up → down")',
    );
  });

  test("fits a phone screen: no horizontal scrolling at 390 px", async () => {
    const width = await page.evaluate("document.documentElement.scrollWidth");
    // What sticks out, to say why when it fails.
    const wide = await page.evaluate(`[...document.querySelectorAll("body *")]
      .filter((node) => node.getBoundingClientRect().right > 390)
      .map((node) => node.tagName + "." + node.className + ": " + node.textContent.slice(0, 60))`);
    expect(wide).toEqual([]);
    expect(width).toBeLessThanOrEqual(390);
    const buttonBox = await page
      .locator(`${row("/apps/web/a")} button[data-action="drain"]`)
      .boundingBox();
    expect(buttonBox!.x + buttonBox!.width).toBeLessThanOrEqual(390);
  });

  test("an action sends the saved token as a Bearer header, same-origin, as JSON", async () => {
    await page.fill("#token", "t0k3n-from-the-operator");
    await page.click("#token-form button");
    const waiting = page.waitForRequest((request) => request.method() === "POST");
    await page.click(`${row("/apps/web/a")} button[data-action="drain"]`);
    const request = await waiting;
    expect(new URL(request.url()).pathname).toBe("/v1/services/web/backends/a/drain");
    expect(request.headers().authorization).toBe("Bearer t0k3n-from-the-operator");
    expect(request.headers()["content-type"]).toBe("application/json");
    expect(await page.evaluate('sessionStorage.getItem("sluice-admin-token")')).toBe(
      "t0k3n-from-the-operator",
    );
  });

  test("asked nothing of any other origin, and broke no CSP rule", async () => {
    if (Bun.env.SLUICE_SCREENSHOT === "1") {
      await register("api", "api-1");
      await register("api", "api-2");
      await page.setViewportSize({ width: 1100, height: 760 });
      await page.waitForSelector(row("/apps/api/api-2"));
      await page.waitForSelector(`${row("/apps/api/api-2")}[data-health="up"]`);
      await page.evaluate('document.getElementById("notice").textContent = ""');
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }
    expect(requests.length).toBeGreaterThan(3);
    const origin = new URL(sluice.adminUrl).origin;
    expect(requests.filter((request) => new URL(request.url).origin !== origin)).toEqual([]);
    expect(problems).toEqual([]);
  });
});
