// Starts a real, throwaway etcd on loopback for integration tests.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Etcd3 } from "etcd3";
import { freePort, waitFor } from "./ports.ts";

export type TestEtcd = {
  endpoint: string;
  client: Etcd3;
  /** Freezes etcd (SIGSTOP): it keeps its sockets but answers nothing. */
  freeze(): void;
  thaw(): void;
  stop(): Promise<void>;
};

export async function startEtcd(): Promise<TestEtcd> {
  // tmpfs when there is one: the tests and the benchmark measure sluice, not etcd's fsync.
  const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "sluice-etcd-"));
  const clientPort = freePort();
  const peerPort = freePort();
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = Bun.spawn(
    [
      "etcd",
      "--name=test",
      `--data-dir=${join(dir, "data")}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=test=${peer}`,
    ],
    { stdout: "ignore", stderr: Bun.file(join(dir, "etcd.log")) },
  );
  const client = new Etcd3({ hosts: endpoint });
  await waitFor(
    "etcd to answer",
    async () => (await client.get("/probe").string()) === null,
    15_000,
    50,
  );
  return {
    endpoint,
    client,
    freeze: () => child.kill("SIGSTOP"),
    thaw: () => child.kill("SIGCONT"),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      client.close();
      child.kill("SIGCONT");
      child.kill("SIGKILL");
      await child.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
