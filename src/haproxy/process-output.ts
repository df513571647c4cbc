// HAProxy's output into sluice's log: split into lines, with repeated lines counted, not logged.

import type { Logger } from "../log.ts";
import { createLogThrottle } from "../log-throttle.ts";
import { SUPERVISOR } from "../tunables.ts";

/** Pids, counts and server names do not make a line a different kind of line: a reload with
 * 20,000 servers prints one "Server <backend>/<name> is DOWN ..." line per server. */
export function lineKind(line: string): string {
  return line
    .replace(/\(\d+\)/, "")
    .replace(/\bServer \S+/g, "Server …")
    .replace(/\d+/g, "N");
}

/**
 * Logs `stream` line by line until it ends. A line repeated more than
 * `SUPERVISOR.repeatedLinesLogged` times within `SUPERVISOR.repeatedLinesWindowMs` is counted
 * instead of logged (HAProxy can print one warning per server pair, quadratic in servers).
 */
export async function pipeOutput(
  stream: ReadableStream<Uint8Array>,
  log: Logger,
  now: () => number = Date.now,
): Promise<void> {
  const throttle = createLogThrottle({
    windowMs: SUPERVISOR.repeatedLinesWindowMs,
    perWindow: SUPERVISOR.repeatedLinesLogged,
    now,
  });
  const emit = (line: string) => {
    const kind = lineKind(line);
    const admission = throttle.admit(kind);
    if (!admission.admitted) return;
    if (admission.suppressed > 0) {
      log.info("haproxy repeated a line", { times: admission.suppressed, line: kind });
    }
    (line.includes("[ALERT]") ? log.warn : log.info)("haproxy", { line });
  };
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) emit(line);
      newline = buffer.indexOf("\n");
    }
  }
  const rest = buffer.trim();
  if (rest) emit(rest);
  for (const { key, suppressed } of throttle.drain()) {
    log.info("haproxy repeated a line", { times: suppressed, line: key });
  }
}
