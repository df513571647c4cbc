// Signals are handled from the moment the daemon is wired: a SIGHUP during start-up runs once the
// signals part starts, one during shutdown is ignored, and SIGTERM is caught whenever it comes.

import { afterEach, describe, expect, test } from "bun:test";
import { type DaemonSignals, listenForSignals } from "../../src/signals.ts";
import { createMemoryLogger } from "./haproxy/fake-haproxy.ts";

let signals: DaemonSignals | undefined;
afterEach(() => {
  signals?.dispose();
  signals = undefined;
});

/** Sends `signal` to this process and lets its handler run. */
async function raise(signal: NodeJS.Signals): Promise<void> {
  process.kill(process.pid, signal);
  await Bun.sleep(30);
}

describe("daemon signals", () => {
  test("a SIGHUP during start-up runs once the signals part starts; after stop it is ignored", async () => {
    const log = createMemoryLogger();
    signals = listenForSignals(log);
    const hangups: number[] = [];
    const part = signals.hangupPart(() => hangups.push(hangups.length));
    await raise("SIGHUP");
    expect(hangups).toEqual([]);
    expect(log.lines[0]).toContain("SIGHUP during start-up");
    await part.start();
    expect(hangups).toEqual([0]);
    await raise("SIGHUP");
    expect(hangups).toEqual([0, 1]);
    await part.stop();
    await raise("SIGHUP");
    expect(hangups).toEqual([0, 1]);
  });

  test("SIGTERM resolves stopRequested, even before anything started", async () => {
    const log = createMemoryLogger();
    signals = listenForSignals(log);
    let stopped = false;
    void signals.stopRequested.then(() => {
      stopped = true;
    });
    await raise("SIGTERM");
    expect(stopped).toBe(true);
    // A second one (an impatient operator) changes nothing and does not end the process.
    await raise("SIGINT");
    expect(log.lines.filter((line) => line.includes("stopping"))).toHaveLength(1);
  });
});
