// lbctl's daemon commands against a fake admin API: what each one asks (method, path, token,
// JSON body), what it prints as a table and with --json (the API's JSON unchanged), colour only
// when asked for, and exit codes 0 ok, 1 failure, 2 usage.

import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runLbctl } from "../../helpers/cli.ts";
import { type FakeAdmin, startFakeAdmin } from "../../helpers/fake-admin.ts";
import { DIFF, EVENTS, PLAN, STATUS, WEB } from "./fixtures.ts";

const fakes: FakeAdmin[] = [];
afterEach(() => {
  for (const fake of fakes.splice(0)) fake.stop();
});

/** The canned daemon: every read endpoint, the actions, and one that refuses a token. */
function fakeDaemon(): FakeAdmin {
  const fake = startFakeAdmin((request, seen) => {
    const path = seen.path;
    if (path === "/v1/status") return Response.json(STATUS);
    if (path === "/v1/services") return Response.json([WEB]);
    if (path === "/v1/services/web") return Response.json(WEB);
    if (path === "/v1/services/nope") {
      return Response.json(
        { error: 'no service named "nope"', code: "not_found" },
        { status: 404 },
      );
    }
    if (path === "/v1/config") return new Response("global\n  daemon\n");
    if (path === "/v1/plan") return Response.json(PLAN);
    if (path === "/v1/plan?diff=1") return Response.json({ ...PLAN, diff: DIFF });
    if (path.startsWith("/v1/events?format=json")) return Response.json({ events: EVENTS });
    const action = /^\/v1\/services\/([^/]+)\/backends\/([^/]+)\/(\w+)$/.exec(path);
    if (action && request.method === "POST") {
      if (seen.authorization !== "Bearer s3cret") {
        const status = seen.authorization ? 403 : 401;
        return Response.json({ error: "bad token", code: "unauthorized" }, { status });
      }
      const [, service, backend, verb] = action.map(decodeURIComponent);
      return Response.json({ ok: true, service, backend, action: verb });
    }
    return undefined;
  });
  fakes.push(fake);
  return fake;
}

const run = (fake: FakeAdmin, argv: string[], terminal = {}) =>
  runLbctl([...argv, "--admin", fake.url], terminal);

describe("read commands", () => {
  test("status prints etcd, haproxy with its problem, apply, counts, default and health", async () => {
    const fake = fakeDaemon();
    const result = await run(fake, ["status"]);
    expect(result).toEqual({
      code: 0,
      err: "",
      out: [
        "sluice 1.2.3",
        "etcd:     connected to http://10.0.0.1:2379, revision 42, relists 3, reconnects 1",
        "haproxy:  running (master-worker, pid 10, workers 1, reloads 2, restarts 0), NOT RESPONDING: show info timed out after 1s",
        "apply:    ok at 2026-01-01T00:00:00.000Z, revision 42",
        "services: 1, backends: 2, rejected: 0",
        "default:  web",
        "health:   1 up, 1 down, 0 maint, 0 unchecked, removals 0",
        "  override web/web-22: drain since 2026-01-01T00:02:00.000Z",
        "",
      ].join("\n"),
    });
    expect(JSON.parse((await run(fake, ["status", "--json"])).out)).toEqual(STATUS);
  });

  test("services: one aligned row per service", async () => {
    const fake = fakeDaemon();
    expect((await run(fake, ["services"])).out).toBe(
      [
        "SERVICE  BALANCE     HOSTNAMES                BACKENDS  UP  DOWN  DRAIN",
        "web      roundrobin  web.example,www.example         2   1     1      1",
        "",
      ].join("\n"),
    );
    expect(JSON.parse((await run(fake, ["services", "--json"])).out)).toEqual([WEB]);
  });

  test("backends SVC: name, address, weight, state, health, override; errors escaped", async () => {
    const fake = fakeDaemon();
    expect((await run(fake, ["backends", "web"])).out).toBe(
      [
        "NAME    ADDRESS        WEIGHT  STATE  HEALTH  SINCE                     OVERRIDE  LAST ERROR",
        "web-1   10.0.0.5:9000       1  ready  up      2026-01-01T00:00:00.000Z  -         -",
        "web-22  10.0.0.6:9000      10  drain  down    2026-01-01T00:01:00.000Z  drain     L4 timeout\\n",
        "",
      ].join("\n"),
    );
    expect(JSON.parse((await run(fake, ["backends", "web", "--json"])).out)).toEqual(WEB);
    expect(fake.seen.map((seen) => seen.path)).toEqual(["/v1/services/web", "/v1/services/web"]);
  });

  test("an unknown service exits 1 with the API's message", async () => {
    const result = await run(fakeDaemon(), ["backends", "nope"]);
    expect(result.code).toBe(1);
    expect(result.err).toBe(
      'lbctl backends: /v1/services/nope: HTTP 404: no service named "nope"\n',
    );
  });

  test("config prints the text as served; --json wraps it in {config}", async () => {
    const fake = fakeDaemon();
    expect((await run(fake, ["config"])).out).toBe("global\n  daemon\n");
    expect(JSON.parse((await run(fake, ["config", "--json"])).out)).toEqual({
      config: "global\n  daemon\n",
    });
  });

  test("plan lists the runtime commands and the holds; --diff asks ?diff=1 and shows it", async () => {
    const fake = fakeDaemon();
    expect((await run(fake, ["plan"])).out).toBe(
      [
        "revision 43: runtime API, no reload: 2 commands",
        "  be_web/s1: weight 1 -> 5",
        "    set server be_web/s1 weight 5",
        "    set server be_web/s1 state ready",
        "held web: 1 of 2 removals kept (would drop 50% > 30%)",
        "",
      ].join("\n"),
    );
    const diff = await run(fake, ["plan", "--diff"]);
    expect(diff.out).toEndWith(DIFF);
    expect(JSON.parse((await run(fake, ["plan", "--diff", "--json"])).out)).toEqual({
      ...PLAN,
      diff: DIFF,
    });
    expect(fake.seen.map((seen) => seen.path)).toEqual([
      "/v1/plan",
      "/v1/plan?diff=1",
      "/v1/plan?diff=1",
    ]);
  });

  test("events --limit N asks for N and prints one line per event, oldest first", async () => {
    const fake = fakeDaemon();
    const result = await run(fake, ["events", "--limit", "3"]);
    expect(result.out).toBe(
      [
        "2026-01-01T00:00:00.000Z     1 change       key=/apps/web/a kind=put revision=5",
        '2026-01-01T00:00:01.000Z     2 reload       ok=false duration_ms=12 error="haproxy -c: bad line"',
        "2026-01-01T00:00:02.000Z     3 health       service=web server=web-1 key=/apps/web/a from=up to=down error=-",
        "",
      ].join("\n"),
    );
    expect(fake.seen[0]?.path).toBe("/v1/events?format=json&limit=3");
    expect(JSON.parse((await run(fake, ["events", "--json"])).out)).toEqual({ events: EVENTS });
    expect(fake.seen[1]?.path).toBe("/v1/events?format=json");
  });
});

describe("colour", () => {
  test("on a terminal: coloured states; with NO_COLOR or --json: none", async () => {
    const fake = fakeDaemon();
    const coloured = await run(fake, ["backends", "web"], { tty: true, env: {} });
    expect(coloured.out).toContain("\x1b[31mdown\x1b[0m");
    expect(coloured.out).toContain("\x1b[32mup\x1b[0m");
    const noColor = await run(fake, ["backends", "web"], { tty: true, env: { NO_COLOR: "1" } });
    expect(noColor.out).not.toContain("\x1b[");
    const json = await run(fake, ["status", "--json"], { tty: true, env: {} });
    expect(json.out).not.toContain("\x1b[");
    const status = await run(fake, ["status"], { tty: true, env: {} });
    expect(status.out).toContain("\x1b[31mNOT RESPONDING\x1b[0m");
  });
});

describe("operator actions", () => {
  for (const action of ["drain", "ready", "maint"]) {
    test(`${action} POSTs JSON with the token and says how to lift it`, async () => {
      const fake = fakeDaemon();
      writeFileSync(join(fake.dir, "token"), "s3cret\n");
      const file = fake.config(`[admin]\ntoken_file = "token"\n`);
      const result = await run(fake, [action, "web", "web-1", "--config", file]);
      expect(result.err).toBe("");
      expect(result.code).toBe(0);
      const lift = action === "ready" ? "" : " (lift it with: lbctl ready web web-1)";
      const done = { drain: "drained", ready: "ready", maint: "in maintenance" }[action];
      expect(result.out).toBe(`web/web-1: ${done}${lift}\n`);
      expect(fake.seen[0]).toMatchObject({
        method: "POST",
        path: `/v1/services/web/backends/web-1/${action}`,
        authorization: "Bearer s3cret",
        contentType: "application/json",
        body: "{}",
      });
      const json = await run(fake, [action, "web", "web-1", "--config", file, "--json"]);
      expect(JSON.parse(json.out)).toEqual({ ok: true, service: "web", backend: "web-1", action });
    });
  }

  test("no token: 401, saying which token is needed and where to set it", async () => {
    const fake = fakeDaemon();
    const file = fake.config("");
    const result = await run(fake, ["drain", "web", "web-1", "--config", file]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("HTTP 401: bad token");
    expect(result.err).toContain(
      `this needs the admin token: pass --token-file FILE, or set [admin] token_file in ${file}`,
    );
  });

  test("a wrong token: 403, naming the file lbctl sent it from", async () => {
    const fake = fakeDaemon();
    const token = join(fake.dir, "wrong");
    writeFileSync(token, "nope");
    const result = await run(fake, ["maint", "web", "web-1", "--token-file", token]);
    expect(result.code).toBe(1);
    expect(result.err).toContain(`HTTP 403: bad token): lbctl sent the token from ${token}`);
  });

  test("names are sent escaped in the path", async () => {
    const fake = fakeDaemon();
    await run(fake, ["drain", "we b", "a/b"]);
    expect(fake.seen[0]?.path).toBe("/v1/services/we%20b/backends/a%2Fb/drain");
  });
});

describe("usage errors exit 2 before asking the daemon", () => {
  const cases: [string[], string][] = [
    [["backends"], "missing SVC"],
    [["drain", "web"], "missing BACKEND"],
    [["ready"], "missing SVC and BACKEND"],
    [["services", "extra"], 'unexpected argument "extra"'],
    [["events", "--limit", "0"], '--limit must be a whole number from 1, got "0"'],
    [["events", "--limit", "x"], "--limit must be a whole number"],
    [["plan", "--frob"], "unknown option --frob"],
    [["watch", "--admin"], "--admin needs a value"],
    [["completion"], "only bash is supported"],
    [["completion", "zsh"], "only bash is supported"],
  ];
  for (const [argv, message] of cases) {
    test(`lbctl ${argv.join(" ")}`, async () => {
      const fake = fakeDaemon();
      const talks = argv[0] !== "completion" && !argv.includes("--admin");
      const result = await runLbctl(talks ? [...argv, "--admin", fake.url] : argv);
      expect(result.code).toBe(2);
      expect(result.err).toContain(message);
      expect(result.err).toContain(`usage: lbctl ${argv[0]}`);
      expect(fake.seen).toEqual([]);
    });
  }
});
