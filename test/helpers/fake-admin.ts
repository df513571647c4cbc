// A stand-in for the daemon's admin API (a few canned answers on a TCP port and a unix socket),
// for lbctl's unit tests: it keeps what each request carried.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export type SeenRequest = {
  method: string;
  /** Path and query. */
  path: string;
  authorization: string | null;
  contentType: string | null;
  lastEventId: string | null;
  body: string;
};

export type FakeAdmin = {
  url: string;
  socket: string;
  dir: string;
  seen: SeenRequest[];
  /** Writes `toml` to a sluice.toml in the fake's directory and returns its path. */
  config(toml: string): string;
  stop(): void;
};

/** Serves `route`'s answers; a route that returns undefined answers 404 the way the API does. */
export function startFakeAdmin(
  route: (
    request: Request,
    seen: SeenRequest,
  ) => Response | undefined | Promise<Response | undefined>,
): FakeAdmin {
  const dir = mkdtempSync(join(tmpdir(), "sluice-fake-admin-"));
  const seen: SeenRequest[] = [];
  const fetch = async (request: Request) => {
    const url = new URL(request.url);
    const entry: SeenRequest = {
      method: request.method,
      path: url.pathname + url.search,
      authorization: request.headers.get("authorization"),
      contentType: request.headers.get("content-type"),
      lastEventId: request.headers.get("last-event-id"),
      body: await request.text(),
    };
    seen.push(entry);
    const answer = await route(request, entry);
    return (
      answer ??
      Response.json(
        { error: `no such endpoint: ${request.method} ${url.pathname}`, code: "not_found" },
        { status: 404 },
      )
    );
  };
  const socket = join(dir, "admin.sock");
  const unix = Bun.serve({ unix: socket, fetch });
  const tcp = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch, idleTimeout: 0 });
  return {
    url: `http://127.0.0.1:${tcp.port}`,
    socket,
    dir,
    seen,
    config(toml) {
      const file = join(dir, "sluice.toml");
      writeFileSync(file, toml);
      return file;
    },
    stop() {
      unix.stop(true);
      tcp.stop(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
