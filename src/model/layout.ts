// Server slots: every backend declares more `server` lines than it has servers, so a new server
// can take a free slot through HAProxy's runtime API instead of a reload. Slots keep their HAProxy
// name while sluice runs; a fresh layout (made at each reload) names occupied slots after their
// servers. Pure.

import { SLOTS } from "../tunables.ts";
import { slotCapacity } from "./capacity.ts";
import { lookupService } from "./sorted.ts";
import type { Model, Server, Service } from "./types.ts";

/**
 * One `server` line: `name` is the HAProxy server name; `server` is undefined when free. A
 * `dynamic` slot has no line in the config file: it was made with `add server` when a burst found
 * no free slot, and lives until the next reload, which gives its server a slot of its own.
 */
export type Slot = { name: string; server: Server | undefined; dynamic?: true };

/** Slots per service, in config order. */
export type Layout = Map<string, Slot[]>;

export type LayoutOptions = {
  /** Free slots every backend gets at least. */
  minSpares: number;
  /** Extra free slots as a fraction of the servers (0.25 = 25 %). */
  spareRatio: number;
  /** At most this many free slots per backend (each costs HAProxy a file descriptor). */
  maxSpares: number;
};

const SPARE_PREFIX = ".spare";
const DYNAMIC_PREFIX = ".add";

function spareSlots(count: number, start: number): Slot[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `${SPARE_PREFIX}${start + i}`,
    server: undefined,
  }));
}

/** Slots that have a line in the config file (every slot but the dynamic ones). */
export function configSlots(slots: readonly Slot[]): Slot[] {
  return slots.some((slot) => slot.dynamic) ? slots.filter((slot) => !slot.dynamic) : [...slots];
}

function freshService(service: Service, options: LayoutOptions, previous?: Slot[]): Slot[] {
  const used: Slot[] = service.servers.map((server) => ({ name: server.name, server }));
  const before = previous && configSlots(previous).length;
  const capacity = slotCapacity(used.length, options, before);
  return [...used, ...spareSlots(Math.max(0, capacity - used.length), 1)];
}

/**
 * A layout with one slot per server, named after it, plus spares: as many slots per backend as
 * `previous` had, more when they ran low, fewer when the backend is much smaller (capacity.ts).
 */
export function freshLayout(model: Model, options: LayoutOptions, previous?: Layout): Layout {
  return new Map(
    model.services.map((service) => [
      service.name,
      freshService(service, options, previous?.get(service.name)),
    ]),
  );
}

/**
 * Places `model` into `previous` without moving any server that stays: a server keeps its slot
 * (matched by etcd key), a removed server frees its slot, and a new server takes a free slot
 * (one with its own name first, then a spare, then any). When no slot is free, a spare is added,
 * which changes the backend's server lines and so needs a reload; with `dynamic`, a dynamic slot
 * is added instead (`add server`, no reload) where the backend's balance allows it. With
 * `changed`, only those services are placed again: every other one keeps its slots (the same
 * list) from `previous`.
 */
export function updateLayout(
  previous: Layout,
  model: Model,
  options: LayoutOptions,
  changed?: ReadonlySet<string>,
  dynamic = false,
): Layout {
  if (changed === undefined) {
    return new Map(
      model.services.map((service) => [
        service.name,
        placeService(previous.get(service.name), service, options, dynamic),
      ]),
    );
  }
  const next: Layout = new Map(previous);
  let added = false;
  for (const name of changed) {
    const service = lookupService(model, name);
    if (!service) {
      next.delete(name);
      continue;
    }
    added ||= !next.has(name);
    next.set(name, placeService(previous.get(name), service, options, dynamic));
  }
  // A new service: the layout keeps the model's order (the order of the config's backends).
  if (!added) return next;
  return new Map(model.services.map((service) => [service.name, next.get(service.name)!]));
}

/** Balance algorithms that refuse servers added at runtime (HAProxy 2.6). */
const STATIC_BALANCE = new Set(["static-rr", "source"]);

/** One service's slots: `before` with its servers placed again (fresh slots without). */
export function placeService(
  before: Slot[] | undefined,
  service: Service,
  options: LayoutOptions,
  dynamic = false,
): Slot[] {
  if (!before) return freshService(service, options);
  const byKey = new Map(service.servers.map((server) => [server.key, server]));
  const slots: Slot[] = before.map((slot) => {
    const server = slot.server && byKey.get(slot.server.key);
    if (server) byKey.delete(server.key);
    return slot.dynamic ? { name: slot.name, server, dynamic: true } : { name: slot.name, server };
  });
  const adds = dynamic && !STATIC_BALANCE.has(service.balance.split(/\s+/)[0] ?? "");
  placeNewServers(slots, byKey.values(), adds);
  return slots;
}

/** The highest number after `prefix` among slot names. */
function highestNumber(slots: readonly Slot[], prefix: string): number {
  let highest = 0;
  for (const { name } of slots) {
    if (name.startsWith(prefix))
      highest = Math.max(highest, Number(name.slice(prefix.length)) || 0);
  }
  return highest;
}

/**
 * Puts each new server in a free slot: one with its own name first, then the first free spare,
 * then the first free slot; a spare (or with `dynamic`, a dynamic slot) is added when none is
 * free. Linear in the slots (a burst of 20,000 new servers must not scan every slot once per
 * server).
 */
function placeNewServers(slots: Slot[], servers: Iterable<Server>, dynamic: boolean): void {
  const free = slots.filter((slot) => slot.server === undefined);
  const byName = new Map(free.map((slot) => [slot.name, slot]));
  const spares = free.filter((slot) => slot.name.startsWith(SPARE_PREFIX));
  const next = { spare: 0, any: 0 };
  const firstFree = (list: Slot[], at: "spare" | "any") => {
    while (next[at] < list.length && list[next[at]]!.server !== undefined) next[at]++;
    return list[next[at]];
  };
  const highest = {
    spare: highestNumber(slots, SPARE_PREFIX),
    add: dynamic ? highestNumber(slots, DYNAMIC_PREFIX) : 0,
  };
  // A burst too big for runtime adds takes new server lines (a reload) instead.
  let room = dynamic ? SLOTS.maxDynamic - slots.filter((slot) => slot.dynamic).length : 0;
  for (const server of servers) {
    const named = byName.get(server.name);
    const slot =
      (named?.server === undefined ? named : undefined) ??
      firstFree(spares, "spare") ??
      firstFree(free, "any");
    if (slot) slot.server = server;
    else if (room-- > 0) {
      slots.push({ name: `${DYNAMIC_PREFIX}${++highest.add}`, server, dynamic: true });
    } else slots.push({ name: `${SPARE_PREFIX}${++highest.spare}`, server });
  }
}

/** What a template sees for a service: its servers (each with its `slot`) and free slot names. */
export type LaidOutService = Omit<Service, "servers"> & {
  servers: (Server & { slot: string })[];
  spares: string[];
};

/** The model's services with slot names attached, in slot order. */
export function laidOutServices(model: Model, layout: Layout): LaidOutService[] {
  return model.services.map((service) => {
    // Dynamic slots have no line in the file: their servers get one at the next reload.
    const slots = configSlots(layout.get(service.name) ?? []);
    return {
      ...service,
      servers: slots.flatMap((slot) => (slot.server ? [{ ...slot.server, slot: slot.name }] : [])),
      spares: slots.filter((slot) => !slot.server).map((slot) => slot.name),
    };
  });
}
