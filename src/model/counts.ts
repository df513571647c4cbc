// Server counts for status, metrics and logs, remembered per list of services: a model built
// change by change tells its count, so counting never walks every service after a change.

import type { Model, Service } from "./types.ts";

const counted = new WeakMap<readonly Service[], number>();

/** Remembers that `services` hold `count` servers in all (the builder knows it already). */
export function noteServerCount(services: readonly Service[], count: number): void {
  counted.set(services, count);
}

/** Number of servers across all services (counted once per list of services). */
export function countServers(model: Pick<Model, "services">): number {
  const known = counted.get(model.services);
  if (known !== undefined) return known;
  const total = model.services.reduce((sum, service) => sum + service.servers.length, 0);
  counted.set(model.services, total);
  return total;
}
