import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAdminListeners } from "../../../src/admin/listen.ts";

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
