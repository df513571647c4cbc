import { describe, expect, test } from "bun:test";
import { pipeOutput } from "../../../src/haproxy/process-output.ts";
import {
  childEnvironment,
  findSetpriv,
  withDeathSignal,
} from "../../../src/haproxy/process-runner.ts";
import { SUPERVISOR } from "../../../src/tunables.ts";
import { createMemoryLogger } from "./fake-haproxy.ts";

/** A stream giving `chunks` one after the other. */
function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

describe("pipeOutput", () => {
  test("logs whole lines even when chunks split them, alerts as warnings", async () => {
    const log = createMemoryLogger();
    await pipeOutput(streamOf(["[NOTICE] lo", "aded\n\n[ALERT] bad", " line\n"]), log);
    expect(log.lines).toEqual([
      `info haproxy ${JSON.stringify({ line: "[NOTICE] loaded" })}`,
      `warn haproxy ${JSON.stringify({ line: "[ALERT] bad line" })}`,
    ]);
  });

  test("counts a line repeated more than the limit instead of logging it", async () => {
    const log = createMemoryLogger();
    const lines = Array.from(
      { length: 10 },
      (_, i) => `[WARNING] server s(${i}) shares a cookie\n`,
    );
    await pipeOutput(streamOf(lines), log, () => 0);
    expect(
      log.lines.filter((line) => line.startsWith("warn") || line.startsWith("info haproxy {")),
    ).toHaveLength(SUPERVISOR.repeatedLinesLogged);
    expect(log.lines.at(-1)).toBe(
      `info haproxy repeated a line ${JSON.stringify({ times: 10 - SUPERVISOR.repeatedLinesLogged, line: "[WARNING] server s shares a cookie" })}`,
    );
  });

  test("logs the line again once the window has passed, with the count of the last one", async () => {
    const log = createMemoryLogger();
    // The throttle reads the clock once per line: the sixth line comes after the window.
    let lines = 0;
    const now = () => (lines++ < 5 ? 0 : SUPERVISOR.repeatedLinesWindowMs);
    const stream = streamOf(Array(6).fill("same\n"));
    await pipeOutput(stream, log, now);
    expect(log.lines.filter((line) => line.startsWith("info haproxy {"))).toHaveLength(
      SUPERVISOR.repeatedLinesLogged + 1,
    );
    expect(log.lines).toContain(
      `info haproxy repeated a line ${JSON.stringify({ times: 5 - SUPERVISOR.repeatedLinesLogged, line: "same" })}`,
    );
  });
});

describe("childEnvironment", () => {
  test("drops what would let HAProxy talk to systemd and keeps the rest", () => {
    expect(
      childEnvironment({
        PATH: "/usr/bin",
        NOTIFY_SOCKET: "/run/n",
        WATCHDOG_PID: "1",
        WATCHDOG_USEC: "5",
      }),
    ).toEqual({ PATH: "/usr/bin" });
  });
});

describe("withDeathSignal", () => {
  test("runs HAProxy through setpriv so that it dies with sluice", () => {
    expect(withDeathSignal(["/usr/sbin/haproxy", "-W"], "/usr/bin/setpriv")).toEqual([
      "/usr/bin/setpriv",
      "--pdeathsig",
      "SIGKILL",
      "--",
      "/usr/sbin/haproxy",
      "-W",
    ]);
  });

  test("without setpriv, runs HAProxy as it is", () => {
    expect(withDeathSignal(["/usr/sbin/haproxy"], undefined)).toEqual(["/usr/sbin/haproxy"]);
  });

  test("findSetpriv takes the first candidate that exists", () => {
    const present = new Set(["/bin/setpriv"]);
    expect(findSetpriv(["/usr/bin/setpriv", "/bin/setpriv"], (path) => present.has(path))).toBe(
      "/bin/setpriv",
    );
    expect(findSetpriv(["/usr/bin/setpriv"], () => false)).toBeUndefined();
  });
});

describe("HAProxy's per-server lines", () => {
  test("a DOWN line per server after a reload is one kind of line, counted", async () => {
    const log = createMemoryLogger();
    const lines = Array.from(
      { length: 20_000 },
      (_, i) =>
        `[WARNING]  (9496) : config : Server svc0/i${i} is DOWN, changed from server-state after a reload. ${20_000 - i} active and 0 backup servers left.\n`,
    );
    await pipeOutput(streamOf(lines), log, () => 0);
    expect(log.lines.filter((line) => line.startsWith("info haproxy {"))).toHaveLength(
      SUPERVISOR.repeatedLinesLogged,
    );
    expect(log.lines.at(-1)).toContain(
      `"times":${20_000 - SUPERVISOR.repeatedLinesLogged},"line":"[WARNING]   : config : Server … is DOWN`,
    );
  });
});
