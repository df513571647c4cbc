// The one line `systemctl status` shows for sluice (STATUS=): what it serves, whether etcd is
// connected, and the last failure while it lasts. Pure.

import { SYSTEMD } from "../tunables.ts";

/** What the status line is made from; the daemon reads it from its parts. */
export type StatusFacts = {
  /** Whether HAProxy has served a good config yet (READY=1 was sent). */
  serving: boolean;
  /** Services and backends in the served config; undefined until an apply has counted them (the
   * first start, or HAProxy started on the last good file). */
  counts: { services: number; backends: number } | undefined;
  etcdConnected: boolean;
  /** What discovery reads, in words ("etcd" when omitted, "the key file"). */
  source?: string;
  /** The last apply's error, until an apply succeeds. */
  problem: string | undefined;
};

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** The served part: `serving 12 services, 48 backends; etcd connected` and the like. */
function servingText(facts: StatusFacts): string {
  const counts = facts.counts;
  const what = counts
    ? `${plural(counts.services, "service")}, ${plural(counts.backends, "backend")}`
    : undefined;
  const source = facts.source ?? "etcd";
  if (facts.etcdConnected)
    return `${what ? `serving ${what}` : "haproxy serving"}; ${source} connected`;
  return what
    ? `${source} disconnected, serving the last known state (${what})`
    : `${source} disconnected, serving the last good config`;
}

/** STATUS= text for `facts`: one line, at most `SYSTEMD.statusMaxChars` characters. */
export function describeStatus(facts: StatusFacts): string {
  let text: string;
  if (!facts.serving) {
    const source = facts.source ?? "etcd";
    const waiting = facts.etcdConnected
      ? `${source} connected, starting haproxy`
      : `waiting for ${source} (no last good config to serve)`;
    text = `starting: ${facts.problem ? `failed: ${facts.problem}` : waiting}`;
  } else {
    text = servingText(facts);
    if (facts.problem)
      text += `; last change failed, the old config keeps serving: ${facts.problem}`;
  }
  const line = text.replace(/\s+/g, " ");
  return line.length > SYSTEMD.statusMaxChars
    ? `${line.slice(0, SYSTEMD.statusMaxChars - 1)}…`
    : line;
}
