// Runs the compiled dist/sluice against a test etcd, with HAProxy on free loopback ports.

import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Status } from "../../src/status.ts";
import { freePort, waitFor } from "./ports.ts";

export const SLUICE_BINARY = join(import.meta.dir, "..", "..", "dist", "sluice");

export type SluiceOptions = {
  /** One endpoint, or several (a cluster). */
  etcdEndpoint: string | string[];
  /** Extra lines for the `[etcd]` section (TLS, auth, intervals). */
  etcdToml?: string;
  mode?: "master-worker" | "sf";
  /** Template source written to <dir>/haproxy.cfg.liquid; the default template when absent. */
  template?: string;
  /** Extra TOML appended to the generated config. */
  extraToml?: string;
  /** The whole sluice.toml, written over the generated one (a config made elsewhere, e.g. by
   * `lbctl import-confd`). Given the test directory (files the config names go there) and the
   * `[admin]` section the helper talks to. */
  configText?: (context: { dir: string; adminToml: string }) => string;
  /** Top-level lines put before the first section (`discovery = "file"`). */
  topToml?: string;
  /** Readiness wait for the admin API, ms (large configs start slower). */
  startTimeoutMs?: number;
  /** `[haproxy]` lines added to the generated section. */
  haproxyToml?: string;
  /** The executable; default dist/sluice. */
  binary?: string;
  /** Wraps the command line, e.g. in setpriv to run sluice as an unprivileged user. */
  wrap?: (argv: string[]) => string[];
  /** Environment added to the test's own (NOTIFY_SOCKET, WATCHDOG_USEC). */
  env?: Record<string, string>;
  /** HAProxy's HTTP port on 127.0.0.1; default a free one. */
  httpPort?: number;
  /** Owner given to the test directory and its files, for a sluice run as that user. */
  owner?: { uid: number; gid: number };
  /** The admin token written to <dir>/admin.token as `[admin] token_file`; default a random
   * one, `false` for none (then only the unix socket may mutate). */
  adminToken?: string | false;
  /** The admin API's TCP host; default 127.0.0.1 ("0.0.0.0" for a listener not on loopback). */
  adminHost?: string;
  /** `log_format`; default logfmt, which the tests' regular expressions read. */
  logFormat?: "json" | "logfmt";
  /** `log_level`; default info. */
  logLevel?: "debug" | "info" | "warn" | "error";
  /** `false`: no `[haproxy]` section (the plain renderer of `[[template]]` files). */
  haproxy?: false;
};

export type TestSluice = {
  /** Process id of sluice itself. */
  pid: number;
  dir: string;
  configFile: string;
  renderedFile: string;
  templateFile: string;
  httpPort: number;
  adminUrl: string;
  /** The admin API's unix socket (`fetch(url, { unix: adminSocket })`). */
  adminSocket: string;
  /** The configured admin token, if any. */
  adminToken: string | undefined;
  /** A call to the admin API over TCP, with the bearer token when one is configured. */
  adminFetch(path: string, init?: RequestInit): Promise<Response>;
  /** POST /v1/reload over TCP with the token (`adminFetch`). */
  reload(): Promise<Response>;
  /** sluice's stdout: its log. Its stderr goes to `${logFile}.err`. */
  logFile: string;
  status(): Promise<Status>;
  /** GET through HAProxy's HTTP frontend. */
  get(path?: string, init?: RequestInit): Promise<Response>;
  /** Names of the backends that answered `count` sequential requests (for `host`, if given). */
  sample(count: number, host?: string): Promise<string[]>;
  /** Resolves once HAProxy and the file on disk reflect etcd revision `revision` (or later). */
  waitApplied(revision: number | string, timeoutMs?: number): Promise<Status>;
  /** What sluice wrote so far: its log (stdout), then anything on stderr. */
  log(): string;
  /** Stops sluice (SIGTERM) and starts it again on the same directory; resolves with the exit code. */
  restart(): Promise<number>;
  stop(): Promise<number>;
};

/** A logfmt line sluice logs: `level=... msg="..." key=value ...`. */
const LOGFMT_LINE = /^level=(debug|info|warn|error) msg="/;
/** What sluice logs when a throw escaped every handler. */
const ESCAPED = /^(uncaught exception|unhandled rejection)$/;

/** The level and message of a log line in either format; undefined for anything else. */
export function parseLogLine(line: string): { level: string; msg: string } | undefined {
  if (LOGFMT_LINE.test(line)) {
    const msg = /msg=("(?:[^"\\]|\\.)*")/.exec(line)?.[1];
    return { level: /^level=(\w+)/.exec(line)![1]!, msg: msg ? JSON.parse(msg) : "" };
  }
  if (!line.startsWith("{")) return undefined;
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    const { level, msg, time } = parsed;
    const levels = ["debug", "info", "warn", "error"];
    if (typeof time !== "string" || typeof msg !== "string" || !levels.includes(String(level))) {
      return undefined;
    }
    return { level: String(level), msg };
  } catch {
    return undefined;
  }
}

/**
 * The daemon-wide guard: throws when sluice logged an uncaught exception or an unhandled
 * rejection, or wrote a line, on stdout (its log) or stderr, that is not a log line in one of its
 * formats (a stack dump, a runtime warning).
 */
export function assertCleanOutput(log: string, stderr: string): void {
  const lines = (text: string) => text.split("\n").filter((line) => line.trim() !== "");
  const bad = (line: string) => {
    const parsed = parseLogLine(line);
    return parsed === undefined || ESCAPED.test(parsed.msg);
  };
  const found = [
    ...lines(log).filter(bad),
    ...lines(stderr)
      .filter(bad)
      .map((line) => `stderr: ${line}`),
  ];
  if (found.length > 0) {
    throw new Error(`sluice wrote lines outside its log format:\n${found.slice(0, 10).join("\n")}`);
  }
}

export async function startSluice(options: SluiceOptions): Promise<TestSluice> {
  const binary = options.binary ?? SLUICE_BINARY;
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run make build`);
  const dir = mkdtempSync(join(tmpdir(), "sluice-test-"));
  const httpPort = options.httpPort ?? freePort();
  const statsPort = freePort();
  const adminPort = freePort();
  const configFile = join(dir, "sluice.toml");
  const templateFile = join(dir, "haproxy.cfg.liquid");
  const renderedFile = join(dir, "state", "haproxy.cfg");
  const logFile = join(dir, "sluice.log");
  const adminToken =
    options.adminToken === false
      ? undefined
      : (options.adminToken ??
        Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString("hex"));
  const tokenFile = join(dir, "admin.token");
  if (adminToken !== undefined) writeFileSync(tokenFile, `${adminToken}\n`, { mode: 0o640 });
  const haproxySection = `[haproxy]
template = "haproxy.cfg.liquid"
runtime_dir = "run"
reload = "${options.mode ?? "master-worker"}"
bind = "127.0.0.1:${httpPort}"
stats_bind = "127.0.0.1:${statsPort}"
hard_stop_after = "5s"
${options.haproxyToml ?? ""}
`;
  if (options.template !== undefined) writeFileSync(templateFile, options.template);
  writeFileSync(
    configFile,
    `state_dir = "state"
log_format = "${options.logFormat ?? "logfmt"}"
log_level = "${options.logLevel ?? "info"}"
${options.topToml ?? ""}

[etcd]
endpoints = ${JSON.stringify([options.etcdEndpoint].flat())}
prefix = "/apps/"
${options.etcdToml ?? ""}

${options.haproxy === false ? "" : haproxySection}
[admin]
listen = "${options.adminHost ?? "127.0.0.1"}:${adminPort}"
${options.haproxy === false ? 'socket = "run/admin.sock"' : ""}
${adminToken === undefined ? "" : 'token_file = "admin.token"'}

${options.extraToml ?? ""}
`,
  );
  if (options.configText) {
    const token = adminToken === undefined ? "" : 'token_file = "admin.token"\n';
    const adminToml = `[admin]\nlisten = "${options.adminHost ?? "127.0.0.1"}:${adminPort}"\n${token}`;
    writeFileSync(configFile, options.configText({ dir, adminToml }));
  }
  if (options.owner) {
    for (const path of [dir, configFile, templateFile, tokenFile].filter((path) =>
      existsSync(path),
    )) {
      chownSync(path, options.owner.uid, options.owner.gid);
    }
  }
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const readFile = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : "");
  const readLog = () => readFile(logFile) + readFile(`${logFile}.err`);
  const launch = async () => {
    // A new log per run: a second process writing over the first one's file leaves torn lines.
    rmSync(logFile, { force: true });
    rmSync(`${logFile}.err`, { force: true });
    const argv = [binary, "serve", "--config", configFile];
    const process = Bun.spawn(options.wrap ? options.wrap(argv) : argv, {
      cwd: dir,
      env: { ...Bun.env, ...options.env },
      stdout: Bun.file(logFile),
      stderr: Bun.file(`${logFile}.err`),
    });
    try {
      await waitFor(
        "sluice admin API",
        async () => (await fetch(`${adminUrl}/healthz`)).ok,
        options.startTimeoutMs ?? 10_000,
      );
    } catch (error) {
      process.kill("SIGKILL");
      throw new Error(`${(error as Error).message}\n${readLog()}`);
    }
    return process;
  };
  const terminate = async () => {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    const code = await child.exited;
    clearTimeout(timer);
    assertCleanOutput(readFile(logFile), readFile(`${logFile}.err`));
    return code;
  };
  let child = await launch();

  const sluice: TestSluice = {
    pid: child.pid,
    dir,
    configFile,
    renderedFile,
    templateFile,
    httpPort,
    adminUrl,
    adminSocket: join(dir, "run", "admin.sock"),
    adminToken,
    adminFetch(path, init = {}) {
      const headers = new Headers(init.headers);
      if (adminToken !== undefined) headers.set("authorization", `Bearer ${adminToken}`);
      return fetch(`${adminUrl}${path}`, { ...init, headers });
    },
    reload() {
      return sluice.adminFetch("/v1/reload", { method: "POST" });
    },
    logFile,
    async status() {
      const response = await fetch(`${adminUrl}/v1/status`);
      return (await response.json()) as Status;
    },
    get(path = "/", init) {
      return fetch(`http://127.0.0.1:${httpPort}${path}`, init);
    },
    async sample(count, host) {
      const names: string[] = [];
      const headers: Record<string, string> = { connection: "close", ...(host ? { host } : {}) };
      for (let i = 0; i < count; i++) {
        const response = await sluice.get("/", { headers });
        names.push(response.status === 200 ? await response.text() : `HTTP ${response.status}`);
      }
      return names;
    },
    async waitApplied(revision, timeoutMs = 5000) {
      let last: Status | undefined;
      try {
        return await waitFor(
          `apply of revision ${revision}`,
          async () => {
            last = await sluice.status();
            const { apply } = last;
            const done =
              apply.revision >= Number(revision) && !apply.pending && apply.config_synced;
            return done ? last : undefined;
          },
          timeoutMs,
        );
      } catch (error) {
        // What sluice was doing, so a failure in CI can be understood from its output alone.
        const tail = readLog().split("\n").slice(-15).join("\n");
        throw new Error(
          `${(error as Error).message}\nstatus: ${JSON.stringify({ etcd: last?.etcd, apply: last?.apply })}\nlog:\n${tail}`,
        );
      }
    },
    log: readLog,
    async restart() {
      const code = await terminate();
      child = await launch();
      sluice.pid = child.pid;
      return code;
    },
    async stop() {
      const code = await terminate();
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
  return sluice;
}
