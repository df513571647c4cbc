// Guards against mass removal: an update that would empty a backend, or drop more than a set share
// of its servers at once, is held back; the servers it would remove keep serving. Pure.

import { countServers, noteServerCount } from "./counts.ts";
import { lookupService, patchSorted } from "./sorted.ts";
import type { Model, Service } from "./types.ts";

export type GuardOptions = {
  /** Let a backend that had servers become empty. */
  allowEmpty: boolean;
  /** Largest share of a backend's servers one update may remove, in percent (100 = no limit). */
  maxDropPercent: number;
};

/** A removal that was held back, for status and logs. */
export type Hold = { service: string; held: number; of: number; reason: string };

/** One service as the guards let it be served: `service` itself, or with removals put back. */
export function guardService(
  before: Service | undefined,
  service: Service,
  options: GuardOptions,
): { service: Service; hold?: Hold } {
  if (!before || before.servers.length === 0) return { service };
  const keys = new Set(service.servers.map((s) => s.key));
  const removed = before.servers.filter((s) => !keys.has(s.key));
  if (removed.length === 0) return { service };
  const percent = (removed.length / before.servers.length) * 100;
  let reason: string | undefined;
  if (service.servers.length === 0) {
    // Emptying a backend is governed by allow_empty alone.
    if (!options.allowEmpty) {
      reason = `would remove all ${before.servers.length} servers (set [apply] allow_empty = true to allow)`;
    }
  } else if (percent > options.maxDropPercent) {
    reason =
      `would remove ${removed.length} of ${before.servers.length} servers (${Math.round(percent)} %), ` +
      `more than max_drop_percent = ${options.maxDropPercent}`;
  }
  if (!reason) return { service };
  const names = new Set(service.servers.map((s) => s.name));
  const kept = removed.filter((s) => !names.has(s.name));
  return {
    service: {
      ...service,
      servers: [...service.servers, ...kept].sort((a, b) => (a.name < b.name ? -1 : 1)),
    },
    hold: { service: service.name, held: kept.length, of: before.servers.length, reason },
  };
}

/**
 * `desired` with the guarded removals put back, and what was held. With `visit`, only those
 * services are looked at: every other one must be the same as served and not held (the model
 * source includes held services in what it says may differ).
 */
export function applyGuards(
  served: Model,
  desired: Model,
  options: GuardOptions,
  visit?: ReadonlySet<string>,
): { model: Model; holds: Hold[] } {
  const holds: Hold[] = [];
  if (visit === undefined) {
    const servedByName = new Map(served.services.map((s) => [s.name, s]));
    const services = desired.services.map((service) => {
      const guarded = guardService(servedByName.get(service.name), service, options);
      if (guarded.hold) holds.push(guarded.hold);
      return guarded.service;
    });
    return { model: { ...desired, services }, holds };
  }
  const replaced = new Map<string, Service>();
  let servers = countServers(desired);
  for (const name of [...visit].sort()) {
    const service = lookupService(desired, name);
    if (!service) continue;
    const guarded = guardService(lookupService(served, name), service, options);
    if (!guarded.hold) continue;
    holds.push(guarded.hold);
    replaced.set(name, guarded.service);
    servers += guarded.service.servers.length - service.servers.length;
  }
  if (replaced.size === 0) return { model: desired, holds };
  const services = patchSorted(
    desired.services,
    replaced,
    (s) => s.name,
    () => desired.services.map((s) => replaced.get(s.name) ?? s),
  );
  noteServerCount(services, servers);
  return { model: { ...desired, services }, holds };
}
