// HAProxy's runtime API over the stats socket: many commands on one connection (prompt mode),
// with each reply checked.

import { createConnection } from "node:net";
import { ApplyError } from "../errors.ts";
import { APPLY, SUPERVISOR } from "../tunables.ts";

/** Replies to `set server` and `add server` that mean it worked. */
const OK_REPLY =
  /^(|IP changed from .*|port changed from .*|no need to change .*|.*nothing changed.*|New server registered\.)$/s;

/**
 * Sends `commands` in one prompt-mode session and resolves with one reply per command.
 * Replies are split on the prompt HAProxy prints after each command. Fails when HAProxy sends
 * nothing for `timeoutMs`.
 */
export function sendBatch(
  path: string,
  commands: string[],
  timeoutMs: number = APPLY.runtimeApiTimeoutMs,
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    const socket = createConnection({ path });
    socket.setEncoding("utf8");
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`${path}: runtime API timed out`)));
    socket.on("connect", () => socket.write(`prompt\n${commands.join("\n")}\nquit\n`));
    socket.on("data", (data: string) => {
      buffer += data;
    });
    socket.on("error", (error) =>
      reject(new ApplyError(`${path}: ${error.message}`, { cause: error })),
    );
    socket.on("close", (hadError) => {
      if (hadError) return;
      // Only text followed by a prompt is a reply: the text after the last prompt is not one.
      const parts = buffer.split("\n> ");
      const replies = parts
        .slice(1, -1)
        .slice(0, commands.length)
        .map((part) => part.trim());
      if (replies.length < commands.length) {
        reject(
          new ApplyError(
            `${path}: runtime API answered ${replies.length} of ${commands.length} commands`,
          ),
        );
      } else resolve(replies);
    });
  });
}

/** Runs `set server` commands; throws ApplyError naming the first command HAProxy refused. */
export async function runServerCommands(path: string, commands: string[]): Promise<void> {
  if (commands.length === 0) return;
  const replies = await sendBatch(path, commands);
  const failed = replies.findIndex((reply) => !OK_REPLY.test(reply));
  if (failed >= 0) {
    throw new ApplyError(
      `runtime API refused "${commands[failed]}": ${replies[failed]!.split("\n")[0]}`,
    );
  }
}

/** `show servers state` as text, for the server-state-file. */
export async function showServersState(path: string): Promise<string> {
  const [reply] = await sendBatch(path, ["show servers state"], SUPERVISOR.serverStateTimeoutMs);
  return `${reply ?? ""}\n`;
}
