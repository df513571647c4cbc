// `lbctl services` and `lbctl backends SVC` as tables, from /v1/services.

import type { ServiceView } from "../health/views.ts";
import { formatTable, PLAIN, printable, type Style } from "./table.ts";

/** A server as /v1/services lists it; `override` comes with operator actions (may be absent). */
type ServerView = ServiceView["servers"][number] & { override?: string | null };

function healthCell(state: string, style: Style): string {
  if (state === "up") return style.green(state);
  if (state === "down") return style.red(state);
  if (state === "maint") return style.yellow(state);
  return style.dim(state);
}

/** One row per service: balance, hostnames, how many backends and how many are up or down. */
export function formatServices(services: ServiceView[], style: Style = PLAIN): string {
  if (services.length === 0) return "no services registered\n";
  const rows = services.map((service) => {
    const count = (state: string) =>
      service.servers.filter((server) => server.health.state === state).length;
    const down = count("down");
    return [
      printable(service.name),
      service.balance,
      service.hostnames.length > 0 ? printable(service.hostnames.join(",")) : "-",
      String(service.servers.length),
      String(count("up")),
      down > 0 ? style.red(String(down)) : "0",
      String(service.servers.filter((server) => server.drain).length),
    ];
  });
  return formatTable(["SERVICE", "BALANCE", "HOSTNAMES", "BACKENDS", "UP", "DOWN", "DRAIN"], rows, {
    right: [3, 4, 5, 6],
    style,
  });
}

/** One row per backend of `service`: address, weight, state, health, override, last error. */
export function formatBackends(service: ServiceView, style: Style = PLAIN): string {
  if (service.servers.length === 0) return `${printable(service.name)} has no backends\n`;
  const rows = (service.servers as ServerView[]).map((server) => [
    printable(server.name),
    printable(server.address),
    String(server.weight),
    server.drain ? style.yellow("drain") : "ready",
    healthCell(server.health.state, style),
    server.health.since ?? "-",
    server.override ? style.yellow(server.override) : "-",
    server.health.last_error ? printable(server.health.last_error) : "-",
  ]);
  return formatTable(
    ["NAME", "ADDRESS", "WEIGHT", "STATE", "HEALTH", "SINCE", "OVERRIDE", "LAST ERROR"],
    rows,
    { right: [2], style },
  );
}
