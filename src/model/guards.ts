// Guards against mass removal: an update that would empty a backend, or drop more than a set share
// of its servers at once, is held back; the servers it would remove keep serving. Pure.

import type { Model, Service } from "./types.ts";

export type GuardOptions = {
  /** Let a backend that had servers become empty. */
  allowEmpty: boolean;
  /** Largest share of a backend's servers one update may remove, in percent (100 = no limit). */
  maxDropPercent: number;
};

/** A removal that was held back, for status and logs. */
export type Hold = { service: string; held: number; of: number; reason: string };

/** `desired` with the guarded removals put back, and what was held. */
export function applyGuards(
  served: Model,
  desired: Model,
  options: GuardOptions,
): { model: Model; holds: Hold[] } {
  const holds: Hold[] = [];
  const servedByName = new Map(served.services.map((s) => [s.name, s]));
  const services: Service[] = desired.services.map((service) => {
    const before = servedByName.get(service.name);
    if (!before || before.servers.length === 0) return service;
    const keys = new Set(service.servers.map((s) => s.key));
    const removed = before.servers.filter((s) => !keys.has(s.key));
    if (removed.length === 0) return service;
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
    if (!reason) return service;
    const names = new Set(service.servers.map((s) => s.name));
    const kept = removed.filter((s) => !names.has(s.name));
    holds.push({ service: service.name, held: kept.length, of: before.servers.length, reason });
    return {
      ...service,
      servers: [...service.servers, ...kept].sort((a, b) => (a.name < b.name ? -1 : 1)),
    };
  });
  return { model: { ...desired, services }, holds };
}
