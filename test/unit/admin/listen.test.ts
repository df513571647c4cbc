import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AdminBindings } from "../../../src/admin/access.ts";
import { createAdminListeners } from "../../../src/admin/listen.ts";
import { freePort } from "../../helpers/ports.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

test("the unix socket is 0660, so the sluice group may connect, whatever the umask", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-listen-"));
  dirs.push(dir);
  const socket = join(dir, "admin.sock");
  const before = process.umask(0o027);
  const listeners = createAdminListeners(
    { listen: "", socket, tokenFile: "" },
    () => new Response("ok"),
  );
  try {
    await listeners.start();
    expect(statSync(socket).mode & 0o777).toBe(0o660);
    const response = await fetch("http://localhost/", { unix: socket });
    expect(await response.text()).toBe("ok");
  } finally {
    process.umask(before);
    await listeners.stop();
  }
});

test("each listener tells the app which it is: unix, TCP on loopback, TCP not on loopback", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sluice-listen-"));
  dirs.push(dir);
  const socket = join(dir, "admin.sock");
  const [loopbackPort, exposedPort] = [freePort(), freePort()];
  const echo = (_request: Request, env: AdminBindings) => Response.json(env);
  const loopback = createAdminListeners(
    { listen: `127.0.0.1:${loopbackPort}`, socket, tokenFile: "" },
    echo,
  );
  const exposed = createAdminListeners(
    { listen: `0.0.0.0:${exposedPort}`, socket: "", tokenFile: "" },
    echo,
  );
  try {
    await loopback.start();
    await exposed.start();
    const json = async (response: Promise<Response>) => (await response).json();
    expect(await json(fetch("http://localhost/", { unix: socket }))).toEqual({
      transport: "unix",
      loopback: true,
    });
    expect(await json(fetch(`http://127.0.0.1:${loopbackPort}/`))).toEqual({
      transport: "tcp",
      loopback: true,
    });
    // Reached through 127.0.0.1, a 0.0.0.0 listener is still not a loopback one.
    expect(await json(fetch(`http://127.0.0.1:${exposedPort}/`))).toEqual({
      transport: "tcp",
      loopback: false,
    });
  } finally {
    await loopback.stop();
    await exposed.stop();
  }
});

test("Bun refuses a body over 1 MiB on every route, before the app reads it", async () => {
  const port = freePort();
  const listeners = createAdminListeners(
    { listen: `127.0.0.1:${port}`, socket: "", tokenFile: "" },
    async (request) => new Response(String((await request.arrayBuffer()).byteLength)),
  );
  try {
    await listeners.start();
    const send = (bytes: number) =>
      fetch(`http://127.0.0.1:${port}/`, { method: "POST", body: new Uint8Array(bytes) });
    expect(await (await send(1024 * 1024)).text()).toBe(String(1024 * 1024));
    expect((await send(1024 * 1024 + 1)).status).toBe(413);
  } finally {
    await listeners.stop();
  }
});
