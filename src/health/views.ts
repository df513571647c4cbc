// How health shows in the admin API: each served server's `health`, and the counts by state for
// /v1/status and /metrics. Servers the monitor has not seen count as unchecked. Pure.

import type { Server, Service } from "../model/types.ts";
import {
  type BackendHealth,
  HEALTH_STATES,
  type HealthRemoverStatus,
  type HealthState,
  NO_REMOVER,
} from "./types.ts";

/** What status needs of the monitor. */
export type HealthReader = {
  readonly enabled: boolean;
  get(key: string): BackendHealth | undefined;
  stale(): boolean;
};

/** A server's `health` in /v1/services. */
export type ServerHealthView = {
  state: HealthState;
  /** When the state began (ISO 8601); null when not seen yet. */
  since: string | null;
  last_error: string | null;
};

export type ServiceView = Omit<Service, "servers"> & {
  servers: (Server & { health: ServerHealthView })[];
};

/** `/v1/status` `health`. */
export type HealthStatus = {
  /** `[health] enabled`. */
  enabled: boolean;
  up: number;
  down: number;
  maint: number;
  unchecked: number;
  /** True while HAProxy's states could not be read lately: counts may be old. */
  stale: boolean;
  panic: boolean;
  /** The removal leader (`hostname:pid`); null when unknown or no remover runs. */
  leader: string | null;
  removals: number;
};

const UNSEEN: ServerHealthView = { state: "unchecked", since: null, last_error: null };

/** The health view of the server registered at `key`. */
export function serverHealthView(reader: HealthReader | undefined, key: string): ServerHealthView {
  const health = reader?.enabled ? reader.get(key) : undefined;
  if (!health) return UNSEEN;
  return { state: health.state, since: health.since, last_error: health.lastError };
}

/** `services` with each server's health. */
export function servicesWithHealth(
  services: readonly Service[],
  health: (key: string) => ServerHealthView,
): ServiceView[] {
  return services.map((service) => ({
    ...service,
    servers: service.servers.map((server) => ({ ...server, health: health(server.key) })),
  }));
}

/** The counts by state of the served `services`, with the remover's status. */
export function healthStatus(
  services: readonly Service[],
  reader: HealthReader | undefined,
  remover: () => HealthRemoverStatus = NO_REMOVER,
): HealthStatus {
  const counts = Object.fromEntries(HEALTH_STATES.map((state) => [state, 0])) as Record<
    HealthState,
    number
  >;
  for (const service of services) {
    for (const server of service.servers) counts[serverHealthView(reader, server.key).state]++;
  }
  const { panic, leader, removals } = remover();
  return {
    enabled: reader?.enabled ?? false,
    ...counts,
    stale: reader?.enabled === true && reader.stale(),
    panic,
    leader,
    removals,
  };
}
