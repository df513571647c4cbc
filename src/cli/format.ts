// Human-readable rendering of status for lbctl.

import type { Status } from "../status.ts";

function formatEtcd(etcd: Status["etcd"]): string {
  const state = etcd.connected ? "connected" : "DISCONNECTED";
  const where = etcd.endpoint ? `${etcd.connected ? " to" : " from"} ${etcd.endpoint}` : "";
  const stale = etcd.stale ? ", STALE" : "";
  const error = etcd.last_error && !etcd.connected ? ` (${etcd.last_error})` : "";
  return `${state}${where}, revision ${etcd.revision}${stale}, relists ${etcd.relists}, reconnects ${etcd.reconnects}${error}`;
}

function formatHealth(health: Status["health"]): string {
  if (!health.enabled) return "checks off";
  const counts = `${health.up} up, ${health.down} down, ${health.maint} maint, ${health.unchecked} unchecked`;
  const stale = health.stale ? ", STALE" : "";
  const panic = health.panic ? ", PANIC: removals frozen" : "";
  const leader = health.leader ? `, leader ${health.leader}` : "";
  return `${counts}${stale}${panic}${leader}, removals ${health.removals}`;
}

/** The status document as the lines `lbctl status` prints. */
export function formatStatus(status: Status): string {
  const lines = [
    `sluice ${status.version}`,
    `etcd:     ${formatEtcd(status.etcd)}`,
    `haproxy:  ${status.haproxy.running ? "running" : "NOT RUNNING"} (${status.haproxy.mode}, pid ${status.haproxy.pid ?? "-"}, workers ${status.haproxy.workers.length}, reloads ${status.haproxy.reloads}, restarts ${status.haproxy.restarts})`,
    `apply:    ${status.apply.last_error ? `FAILED: ${status.apply.last_error}` : `ok at ${status.apply.last_ok_at ?? "-"}`}`,
    `services: ${status.services}, backends: ${status.backends}, rejected: ${status.rejected_total}`,
    `health:   ${formatHealth(status.health)}`,
  ];
  // Keys and reasons come from etcd: escape them so they cannot fake lines or move the cursor.
  for (const rejected of status.rejected) {
    lines.push(`  rejected ${JSON.stringify(rejected.key)}: ${JSON.stringify(rejected.reason)}`);
  }
  return `${lines.join("\n")}\n`;
}
