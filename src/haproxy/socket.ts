// Sends one command to an HAProxy unix socket (stats or master CLI) and returns the whole reply.
import { createConnection } from "node:net";

/**
 * Sends `command` and resolves with HAProxy's reply. A reply ends with an empty line; the
 * master CLI does not always close the connection after it, so the empty line is what counts.
 */
export function sendCommand(path: string, command: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = "";
    let settled = false;
    const socket = createConnection({ path });
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error) reject(error);
      else resolve(reply);
    };
    socket.setEncoding("utf8");
    socket.setTimeout(timeoutMs, () => {
      finish(new Error(`${path}: no answer to "${command}" within ${timeoutMs}ms`));
    });
    socket.on("connect", () => socket.write(`${command}\n`));
    socket.on("data", (data: string) => {
      reply += data;
      if (reply.endsWith("\n\n")) finish();
    });
    socket.on("error", (error) => finish(new Error(`${path}: ${error.message}`)));
    socket.on("close", () => finish());
  });
}

export type ProcessList = {
  masterPid: number;
  /** Master re-executions so far. */
  reloads: number;
  /** Re-executions that failed to load the new configuration. */
  failedReloads: number;
  /** Workers; `reloads` 0 is the current one, higher ones are old workers still draining. */
  workers: { pid: number; reloads: number }[];
};

/** Parses the master CLI's `show proc` (HAProxy 2.6). */
export function parseShowProc(text: string): ProcessList | undefined {
  const lines = text.split("\n");
  const master = lines
    .map((line) => /^(\d+)\s+master\s+(\d+)\s+\[failed:\s*(\d+)\]/.exec(line))
    .find(Boolean);
  if (!master) return undefined;
  const workers = lines
    .map((line) => /^(\d+)\s+worker\s+(\d+)/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), reloads: Number(match[2]) }));
  return {
    masterPid: Number(master[1]),
    reloads: Number(master[2]),
    failedReloads: Number(master[3]),
    workers,
  };
}
