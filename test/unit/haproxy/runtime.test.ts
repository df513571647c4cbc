import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApplyError } from "../../../src/errors.ts";
import { runServerCommands, sendBatch, showServersState } from "../../../src/haproxy/runtime.ts";
import { filterServerState } from "../../../src/reconcile/server-state-file.ts";
import { HAPROXY_BINARY } from "../render/fixtures.ts";

type FakeOptions = {
  /** Reply per command; unknown commands get HAProxy's "Unknown command." line. */
  replies?: Record<string, string>;
  /** Answer only this many commands, then close (a dying HAProxy). */
  answerOnly?: number;
  /** Write each reply one byte at a time. */
  trickle?: boolean;
  /** Never answer anything. */
  silent?: boolean;
};

type Fake = { path: string; received: string[]; stop(): void };

const dir = mkdtempSync(join(tmpdir(), "sluice-runtime-"));
let fakes = 0;

/**
 * A stats socket that talks like HAProxy 2.6: `prompt` turns on prompt mode, which prints
 * `\n> ` and then, for each command line, the reply (with its own final newline) and `\n> `
 * again; `quit` closes the connection.
 */
function startFake(options: FakeOptions = {}): Fake {
  const path = join(dir, `fake-${++fakes}.sock`);
  const received: string[] = [];
  const listener = Bun.listen<{ buffer: string; answered: number; prompt: boolean }>({
    unix: path,
    socket: {
      open(socket) {
        socket.data = { buffer: "", answered: 0, prompt: false };
      },
      data(socket, chunk) {
        if (options.silent) return;
        const state = socket.data;
        state.buffer += chunk.toString();
        let newline = state.buffer.indexOf("\n");
        while (newline >= 0) {
          const line = state.buffer.slice(0, newline);
          state.buffer = state.buffer.slice(newline + 1);
          newline = state.buffer.indexOf("\n");
          received.push(line);
          if (line === "quit") {
            socket.end();
            return;
          }
          if (line === "prompt") {
            state.prompt = true;
            socket.write("\n> ");
            continue;
          }
          if (options.answerOnly !== undefined && state.answered >= options.answerOnly) {
            socket.end();
            return;
          }
          state.answered++;
          const reply = options.replies?.[line] ?? "Unknown command.";
          const text = `${reply === "" ? "" : `${reply}\n`}${state.prompt ? "\n> " : ""}`;
          if (options.trickle) for (const byte of text) socket.write(byte);
          else socket.write(text);
        }
      },
    },
  });
  return { path, received, stop: () => listener.stop(true) };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

const IP_CHANGED =
  "IP changed from '0.0.0.0' to '10.0.0.3', port changed from '0' to '8080' by 'stats socket command'";

describe("sendBatch against a fake stats socket", () => {
  test("sends prompt, the commands and quit on one connection, one reply per command", async () => {
    const fake = startFake({
      replies: { "show info": "Name: HAProxy\nVersion: 2.6.12", "set server b/s weight 2": "" },
    });
    try {
      const replies = await sendBatch(fake.path, [
        "show info",
        "set server b/s weight 2",
        "set server b/s state ready",
      ]);
      expect(replies).toEqual(["Name: HAProxy\nVersion: 2.6.12", "", "Unknown command."]);
      expect(fake.received).toEqual([
        "prompt",
        "show info",
        "set server b/s weight 2",
        "set server b/s state ready",
        "quit",
      ]);
    } finally {
      fake.stop();
    }
  });

  test("replies split across many small writes are reassembled", async () => {
    const fake = startFake({ trickle: true, replies: { a: "first", b: "", c: "third\nline" } });
    try {
      expect(await sendBatch(fake.path, ["a", "b", "c"])).toEqual(["first", "", "third\nline"]);
    } finally {
      fake.stop();
    }
  });

  test.each([
    [0, 1],
    [1, 2],
  ])(
    "a connection closed after %i of %i commands were answered is an ApplyError",
    async (answered, total) => {
      const commands = Array.from({ length: total }, (_, i) => `set server b/s${i} weight 1`);
      const fake = startFake({
        answerOnly: answered,
        replies: Object.fromEntries(commands.map((command) => [command, ""])),
      });
      try {
        const error = await failure(sendBatch(fake.path, commands));
        expect(error).toBeInstanceOf(ApplyError);
        expect(error.message).toBe(
          `${fake.path}: runtime API answered ${answered} of ${total} commands`,
        );
      } finally {
        fake.stop();
      }
    },
  );

  test("runServerCommands does not report success for a command HAProxy never answered", async () => {
    const fake = startFake({ answerOnly: 0, replies: { "set server b/s state ready": "" } });
    try {
      const error = await failure(runServerCommands(fake.path, ["set server b/s state ready"]));
      expect(error).toBeInstanceOf(ApplyError);
    } finally {
      fake.stop();
    }
  });

  test("a missing socket is an ApplyError naming the path", async () => {
    const path = join(dir, "nobody-here.sock");
    const error = await failure(sendBatch(path, ["show info"]));
    expect(error).toBeInstanceOf(ApplyError);
    expect(error.message.startsWith(`${path}: `)).toBe(true);
  });

  test("a socket that never answers times out with an error naming the path", async () => {
    const fake = startFake({ silent: true });
    try {
      const started = Date.now();
      const error = await failure(sendBatch(fake.path, ["show info"], 100));
      expect(error.message).toContain(fake.path);
      expect(error.message).toContain("timed out");
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      fake.stop();
    }
  });
});

describe("runServerCommands against a fake stats socket", () => {
  test("does not connect at all for no commands", async () => {
    await runServerCommands(join(dir, "nobody-here.sock"), []);
  });

  test.each([
    ["an empty reply", ""],
    ["an address change", IP_CHANGED],
    [
      "a port-only change",
      "no need to change the addr, port changed from '80' to '81' by 'stats socket command'",
    ],
    ["an unchanged address", "no need to change the addr, no need to change the port"],
  ])("passes on %s", async (_what, reply) => {
    const fake = startFake({
      replies: {
        "set server web/.spare1 addr 10.0.0.3 port 8080": reply,
        "set server web/.spare1 state ready": "",
      },
    });
    try {
      await runServerCommands(fake.path, [
        "set server web/.spare1 addr 10.0.0.3 port 8080",
        "set server web/.spare1 state ready",
      ]);
      expect(fake.received.slice(1, 3)).toEqual([
        "set server web/.spare1 addr 10.0.0.3 port 8080",
        "set server web/.spare1 state ready",
      ]);
    } finally {
      fake.stop();
    }
  });

  test.each([
    ["No such server.", "No such server."],
    ["No such backend.", "No such backend."],
    [
      "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n",
      "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.",
    ],
    ["Permission denied\nmore detail", "Permission denied"],
  ])("throws naming the refused command on %j", async (reply, firstLine) => {
    const fake = startFake({
      replies: {
        "set server web/a weight 2": "",
        "set server web/b weight 3": reply,
        "set server web/c weight 4": "",
      },
    });
    try {
      const error = await failure(
        runServerCommands(fake.path, [
          "set server web/a weight 2",
          "set server web/b weight 3",
          "set server web/c weight 4",
        ]),
      );
      expect(error).toBeInstanceOf(ApplyError);
      expect(error.message).toBe(`runtime API refused "set server web/b weight 3": ${firstLine}`);
    } finally {
      fake.stop();
    }
  });
});

/** A TCP port on 127.0.0.1 that nothing listened on a moment ago. */
function freePort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

/** Waits until `path` exists and a connection to it is answered. */
async function waitForSocket(path: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(path)) {
      try {
        await sendBatch(path, ["show info"], 1000);
        return;
      } catch {
        // Not accepting yet.
      }
    }
    await Bun.sleep(20);
  }
  throw new Error(`haproxy stats socket ${path} did not come up in ${timeoutMs}ms`);
}

type RealHaproxy = { socket: string; process: Bun.Subprocess };

const started: Bun.Subprocess[] = [];

/** Starts HAProxy in the foreground (no -D) on `config` and waits for its stats socket. */
async function startHaproxy(name: string, body: (socket: string) => string): Promise<RealHaproxy> {
  const socket = join(dir, `${name}.sock`);
  const config = join(dir, `${name}.cfg`);
  writeFileSync(config, body(socket));
  const child = Bun.spawn([HAPROXY_BINARY, "-f", config], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  started.push(child);
  let output = "";
  void new Response(child.stderr).text().then((text) => {
    output += text;
  });
  try {
    await waitForSocket(socket);
  } catch (error) {
    child.kill("SIGKILL");
    await child.exited;
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return { socket, process: child };
}

/** Stops HAProxy and waits for it to exit; a second call does nothing. */
async function stopHaproxy(haproxy: RealHaproxy): Promise<void> {
  if (!haproxy.process.killed) haproxy.process.kill("SIGTERM");
  await haproxy.process.exited;
}

afterAll(async () => {
  for (const child of started) {
    if (!child.killed) child.kill("SIGKILL");
    await child.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** The `show servers state` line of `backend/server`, split into fields. */
function stateOf(state: string, backend: string, server: string): string[] | undefined {
  return state
    .split("\n")
    .map((line) => line.split(" "))
    .find((fields) => fields[1] === backend && fields[3] === server);
}

// Fields of `show servers state` (format 1).
const SRV_ADDR = 4;
const SRV_OP_STATE = 5;
const SRV_UWEIGHT = 7;
const SRV_PORT = 18;

function minimalConfig(socket: string, port: number, servers: string[], stateFile?: string) {
  return [
    "global",
    `    stats socket ${socket} mode 600 level admin`,
    ...(stateFile ? [`    server-state-file ${stateFile}`] : []),
    "defaults",
    "    mode http",
    "    timeout connect 1s",
    "    timeout client 5s",
    "    timeout server 5s",
    ...(stateFile ? ["    load-server-state-from-file global"] : []),
    "frontend f",
    `    bind 127.0.0.1:${port}`,
    "    default_backend b",
    "backend b",
    "    cookie JSESSIONID prefix nocache dynamic",
    "    dynamic-cookie-key sluice",
    ...servers.map((line) => `    ${line}`),
    "",
  ].join("\n");
}

describe("the runtime API of a real HAProxy 2.6", () => {
  let haproxy: RealHaproxy;

  beforeAll(async () => {
    const port = freePort();
    haproxy = await startHaproxy("real", (socket) =>
      minimalConfig(socket, port, [
        "server s1 127.0.0.1:1 disabled weight 1",
        "server s2 127.0.0.1:2 weight 1",
      ]),
    );
  });

  afterAll(async () => {
    if (haproxy) await stopHaproxy(haproxy);
  });

  test("enables a disabled slot at a new address, as the planner's commands do", async () => {
    const before = stateOf(await showServersState(haproxy.socket), "b", "s1");
    expect([before?.[SRV_ADDR], before?.[SRV_PORT]]).toEqual(["127.0.0.1", "1"]);
    await runServerCommands(haproxy.socket, [
      "set server b/s1 addr 127.0.0.2 port 2",
      "set server b/s1 state ready",
    ]);
    const after = stateOf(await showServersState(haproxy.socket), "b", "s1");
    expect([after?.[SRV_ADDR], after?.[SRV_PORT]]).toEqual(["127.0.0.2", "2"]);
    // 2 = running: the slot now takes traffic.
    expect(after?.[SRV_OP_STATE]).toBe("2");
  });

  test("accepts the planner's commands that free a slot and reweight a server", async () => {
    await runServerCommands(haproxy.socket, [
      "set server b/s2 state maint",
      "set server b/s2 addr 0.0.0.0 port 0",
      "set server b/s1 weight 7",
    ]);
    const state = await showServersState(haproxy.socket);
    expect(stateOf(state, "b", "s2")?.[SRV_ADDR]).toBe("0.0.0.0");
    expect(stateOf(state, "b", "s2")?.[SRV_OP_STATE]).toBe("0");
    expect(stateOf(state, "b", "s1")?.[SRV_UWEIGHT]).toBe("7");
  });

  test("refuses a command for a server that does not exist, naming it", async () => {
    const error = await failure(
      runServerCommands(haproxy.socket, ["set server b/nope state ready"]),
    );
    expect(error.message).toBe(
      'runtime API refused "set server b/nope state ready": No such server.',
    );
  });

  test("showServersState returns the dump with its header, ready for a state file", async () => {
    const state = await showServersState(haproxy.socket);
    const lines = state.split("\n");
    expect(lines[0]).toBe("1");
    expect(lines[1]?.startsWith("# be_id be_name srv_id srv_name srv_addr")).toBe(true);
    expect(lines[1]?.split(" ")[SRV_PORT + 1]).toBe("srv_port");
    expect(state.endsWith("\n")).toBe(true);
  });
});

describe("server state carried over a reload by a real HAProxy 2.6", () => {
  test("the weight of the new config wins over a weight set earlier through the runtime API", async () => {
    // A server drained through the runtime API (weight 1 → 0), then undrained in the same
    // update that needs a reload: the new config says weight 1, and so must HAProxy.
    const stateFile = join(dir, "weights.state");
    writeFileSync(stateFile, "");
    const port = freePort();
    const servers = ["server s1 127.0.0.1:1 weight 1", "server s2 127.0.0.1:2 weight 1"];
    const first = await startHaproxy("weights-1", (socket) =>
      minimalConfig(socket, port, servers, stateFile),
    );
    let second: RealHaproxy | undefined;
    try {
      await runServerCommands(first.socket, ["set server b/s1 weight 0"]);
      const dump = await showServersState(first.socket);
      await stopHaproxy(first);
      second = await startHaproxy("weights-2", (socket) => {
        const config = minimalConfig(socket, port, servers, stateFile);
        writeFileSync(stateFile, filterServerState(dump, config));
        return config;
      });
      const state = await showServersState(second.socket);
      expect(stateOf(state, "b", "s1")?.[SRV_UWEIGHT]).toBe("1");
      expect(stateOf(state, "b", "s2")?.[SRV_UWEIGHT]).toBe("1");
    } finally {
      await stopHaproxy(first);
      if (second) await stopHaproxy(second);
    }
  });
});
