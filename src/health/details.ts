// Where the monitor reads HAProxy's server states, and the fuller description of checks that took
// servers down: `show servers state` is cheap for every server but gives only a status code, so
// the few servers that just went down are asked for their `show stat` line.

import { describeError } from "../errors.ts";
import { sendBatch } from "../haproxy/runtime.ts";
import { sendCommand } from "../haproxy/socket.ts";
import type { Logger } from "../log.ts";
import { checkDetailText, parseCheckDetails } from "./check-status.ts";

/** A server to describe: its key, its backend and its `srv_id` there. */
export type CheckTarget = { key: string; backend: string; id: number };

/** HAProxy's stats socket as the monitor uses it; tests give a fake. */
export interface StatsSource {
  /** The reply to `show servers state`. */
  serversState(): Promise<string>;
  /** The replies to `show stat <backend> 4 <id>`, one per target, in order. */
  serverStats(targets: readonly CheckTarget[]): Promise<string[]>;
}

/** Servers described per poll at most; the rest keep the status code's description. */
export const MAX_DESCRIBED_PER_POLL = 100;

/** The stats socket at `path`. */
export function createStatsSource(path: string, timeoutMs = 5000): StatsSource {
  return {
    serversState: () => sendCommand(path, "show servers state", timeoutMs),
    serverStats: (targets) =>
      sendBatch(
        path,
        targets.map((target) => `show stat ${target.backend} 4 ${target.id}`),
        timeoutMs,
      ),
  };
}

/** The description of each target's last check, by key; empty when the read fails. */
export async function describeFailures(
  source: StatsSource,
  targets: readonly CheckTarget[],
  log: Logger,
): Promise<Map<string, string>> {
  const described = new Map<string, string>();
  const asked = targets.slice(0, MAX_DESCRIBED_PER_POLL);
  if (asked.length === 0) return described;
  try {
    const replies = await source.serverStats(asked);
    asked.forEach((target, index) => {
      const detail = parseCheckDetails(replies[index] ?? "")[0];
      if (detail?.status) described.set(target.key, checkDetailText(detail));
    });
  } catch (error) {
    log.warn("health: cannot read the last check of servers that went down", {
      error: describeError(error),
    });
  }
  return described;
}
