// Human-readable rendering of status for lbctl: one line per part, problems in capitals (and in
// red on a terminal).

import type { RendererStatus } from "../admin/render-app.ts";
import type { Status } from "../status.ts";
import { formatRendererStatus, templateLines } from "./format-templates.ts";
import { PLAIN, printable, type Style } from "./table.ts";

function formatEtcd(etcd: Status["etcd"], style: Style): string {
  const state = etcd.connected ? style.green("connected") : style.red("DISCONNECTED");
  const where = etcd.endpoint ? `${etcd.connected ? " to" : " from"} ${etcd.endpoint}` : "";
  const stale = etcd.stale ? `, ${style.yellow("STALE")}` : "";
  const error = etcd.last_error && !etcd.connected ? ` (${printable(etcd.last_error)})` : "";
  return `${state}${where}, revision ${etcd.revision}${stale}, relists ${etcd.relists}, reconnects ${etcd.reconnects}${error}`;
}

function formatHaproxy(haproxy: Status["haproxy"], style: Style): string {
  const state = haproxy.running ? style.green("running") : style.red("NOT RUNNING");
  const details = `${haproxy.mode}, pid ${haproxy.pid ?? "-"}, workers ${haproxy.workers.length}, reloads ${haproxy.reloads}, restarts ${haproxy.restarts}`;
  const problem =
    haproxy.running && !haproxy.responsive
      ? `, ${style.red("NOT RESPONDING")}: ${printable(haproxy.problem ?? "no answer on the stats socket")}`
      : "";
  return `${state} (${details})${problem}`;
}

function formatApply(apply: Status["apply"], style: Style): string {
  if (apply.last_error) {
    const retry = apply.next_retry_at ? ` (retry at ${apply.next_retry_at})` : "";
    return `${style.red("FAILED")}: ${printable(apply.last_error)}${retry}`;
  }
  const pending = apply.pending ? ", pending" : "";
  // A daemon older than reload pacing has neither field.
  const reload = apply.next_reload_at ? `, next reload at ${apply.next_reload_at}` : "";
  const background = apply.background_reloads
    ? `, background reloads ${apply.background_reloads}`
    : "";
  return `ok at ${apply.last_ok_at ?? "-"}, revision ${apply.revision}${pending}${reload}${background}`;
}

function formatHealth(health: Status["health"], style: Style): string {
  if (!health.enabled) return "checks off";
  const down = health.down > 0 ? style.red(`${health.down} down`) : "0 down";
  const counts = `${health.up} up, ${down}, ${health.maint} maint, ${health.unchecked} unchecked`;
  const stale = health.stale ? `, ${style.yellow("STALE")}` : "";
  const panic = health.panic ? `, ${style.red("PANIC")}: removals frozen` : "";
  const us = health.is_leader ? " (this instance)" : "";
  const leader = health.leader ? `, leader ${health.leader}${us}` : "";
  return `${counts}${stale}${panic}${leader}, removals ${health.removals}`;
}

/** The status document as the lines `lbctl status` prints. */
export function formatStatus(status: Status, style: Style = PLAIN): string {
  const renderer = status as unknown as RendererStatus;
  if (renderer.mode === "renderer") return formatRendererStatus(renderer, style);
  const lines = [
    `sluice ${status.version}`,
    `etcd:     ${formatEtcd(status.etcd, style)}`,
    `haproxy:  ${formatHaproxy(status.haproxy, style)}`,
    `apply:    ${formatApply(status.apply, style)}`,
    `services: ${status.services}, backends: ${status.backends}, rejected: ${status.rejected_total}`,
    `default:  ${status.default_service ?? "-"}`,
    `health:   ${formatHealth(status.health, style)}`,
  ];
  for (const hold of status.held ?? []) {
    lines.push(
      `  held ${hold.service}: ${hold.held} of ${hold.of} removals (${printable(hold.reason)})`,
    );
  }
  // A daemon older than operator actions has no `overrides`.
  for (const override of status.overrides ?? []) {
    lines.push(
      `  override ${override.service}/${override.backend}: ${override.action} since ${override.since}`,
    );
  }
  // A daemon older than [[template]] resources has no `templates`.
  lines.push(...templateLines(status.templates ?? [], style));
  // Keys and reasons come from etcd: escape them so they cannot fake lines or move the cursor.
  for (const rejected of status.rejected) {
    lines.push(`  rejected ${JSON.stringify(rejected.key)}: ${JSON.stringify(rejected.reason)}`);
  }
  return `${lines.join("\n")}\n`;
}
