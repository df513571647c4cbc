// Shared by the layout, guard and plan tests: small hand-built servers and models.

import type { Model, Server } from "../../../src/model/types.ts";

/**
 * A server of `service` at `address` (`host:port`, IPv6 in brackets). Its etcd key defaults to
 * `/apps/<service>/<name>`; pass `key` to keep a key while the name changes.
 */
export function server(
  service: string,
  name: string,
  address: string,
  extra: Partial<Omit<Server, "name" | "address" | "host" | "port">> = {},
): Server {
  const colon = address.lastIndexOf(":");
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  return {
    key: `/apps/${service}/${name}`,
    name,
    host,
    port: Number(address.slice(colon + 1)),
    address,
    weight: 1,
    drain: false,
    meta: {},
    ...extra,
  };
}

/** A model with the given services (in name order, like buildModel), servers sorted by name. */
export function model(services: Record<string, Server[]>, revision = 1): Model {
  return {
    revision,
    rejected: [],
    services: Object.keys(services)
      .sort()
      .map((name) => ({
        name,
        balance: "leastconn",
        hostnames: [],
        servers: [...(services[name] ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1)),
      })),
  };
}

/** `count` servers of `service` named `<prefix>1..` at 10.0.<n>.<n>:80. */
export function servers(service: string, count: number, prefix = "s"): Server[] {
  return Array.from({ length: count }, (_, i) =>
    server(
      service,
      `${prefix}${i + 1}`,
      `10.0.${Math.floor((i + 1) / 250)}.${((i + 1) % 250) + 1}:80`,
    ),
  );
}
