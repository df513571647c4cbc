// Pure helpers comparing slot layouts with each other and with rendered configs: which runtime
// commands turn one layout into another, which server lines changed, and whether a template
// renders every slot the way the layout says.

import { configSlots, type Layout, type Slot } from "../model/layout.ts";
import { lookupService } from "../model/sorted.ts";
import type { Model, Service } from "../model/types.ts";
import {
  addressArgs,
  parseSections,
  planServer,
  type RuntimeOp,
  type ServerLine,
} from "../plan.ts";

/** Ops compared as a set: the config lists servers in another order than the slots. */
export function opsKey(ops: RuntimeOp[]): string {
  return ops
    .map((op) => `${op.backend}/${op.server}: ${op.commands.join("; ")}`)
    .sort()
    .join("\n");
}

/**
 * Same services with the same settings and the same slot names: only servers changed. With
 * `changed`, only those services are compared: every other one is the same object in both.
 */
export function sameStructure(
  served: Model,
  next: Model,
  before: Layout,
  after: Layout,
  changed?: ReadonlySet<string>,
): boolean {
  if (served.services.length !== next.services.length) return false;
  const same = (old: Service | undefined, service: Service | undefined) =>
    old === undefined || service === undefined
      ? old === service
      : sameService(old, service, before.get(service.name) ?? [], after.get(service.name) ?? []);
  if (changed !== undefined) {
    return [...changed].every((name) =>
      same(lookupService(served, name), lookupService(next, name)),
    );
  }
  return next.services.every((service, index) => same(served.services[index], service));
}

function sameService(old: Service, service: Service, before: Slot[], after: Slot[]) {
  if (old.name !== service.name || old.balance !== service.balance) return false;
  if (old.hostnames.join(" ") !== service.hostnames.join(" ")) return false;
  // Dynamic slots are no server lines: adding one leaves the config's structure alone.
  const slotsBefore = configSlots(before);
  const slotsAfter = configSlots(after);
  return (
    slotsBefore.length === slotsAfter.length &&
    slotsBefore.every((slot, index) => slot.name === slotsAfter[index]!.name)
  );
}

function slotLine(slot: Slot): ServerLine {
  const server = slot.server;
  if (!server) return { address: "0.0.0.0:0", weight: 1, disabled: true, rest: "" };
  return {
    address: server.address,
    weight: server.drain ? 0 : server.weight,
    disabled: false,
    rest: "",
  };
}

/** Whether `text` has, for every slot of `layout`, exactly the server line the slot implies. */
export function rendersLayout(text: string, layout: Layout): boolean {
  const sections = new Map(
    parseSections(text).map((section) => [section.header.split(/\s+/)[1] ?? "", section]),
  );
  for (const [service, all] of layout) {
    const slots = configSlots(all);
    const servers = sections.get(service)?.servers;
    if (!servers || servers.size !== slots.length) return false;
    for (const slot of slots) {
      const line = servers.get(slot.name);
      const want = slotLine(slot);
      if (!line || line.disabled !== want.disabled || line.weight !== want.weight) return false;
      if (!want.disabled && line.address !== want.address) return false;
    }
  }
  return true;
}

/** The desired server line of every slot that differs between two layouts (same slot names). */
export function changedLines(before: Layout, after: Layout): Map<string, ServerLine> {
  const changes = new Map<string, ServerLine>();
  for (const [service, slots] of after) {
    const old = before.get(service) ?? [];
    // A service no change touched keeps its list of slots.
    if (old === slots) continue;
    slots.forEach((slot, index) => {
      const previous = old[index];
      // The memoizing decoder returns the same object for an unchanged registration.
      if (!previous || previous.server === slot.server || slot.dynamic) return;
      const was = slotLine(previous);
      const now = slotLine(slot);
      if (
        was.address !== now.address ||
        was.weight !== now.weight ||
        was.disabled !== now.disabled
      ) {
        changes.set(`${service}/${slot.name}`, now);
      }
    });
  }
  return changes;
}

/** What the runtime API can and cannot do to turn one layout into another. */
export type LayoutDiff = {
  ops: RuntimeOp[];
  /** Changes the runtime API cannot express (a DNS host, changed options): each needs a reload. */
  reasons: string[];
};

/** The options of a server added at runtime to `backend` (from its config lines), or undefined
 * when it cannot have one. */
export type AddOptions = (backend: string) => string | undefined;

/**
 * Runtime commands that turn the slots of `before` into those of `after` (same slot names, plus
 * the dynamic slots `after` adds, which take `add server` with `addOptions`). With `changed`, only
 * those services are looked at (every other one keeps its list of slots).
 */
export function diffLayouts(
  before: Layout,
  after: Layout,
  changed?: ReadonlySet<string>,
  addOptions?: AddOptions,
): LayoutDiff {
  const diff: LayoutDiff = { ops: [], reasons: [] };
  const services = changed ? [...changed].sort() : after.keys();
  for (const service of services) {
    const slots = after.get(service);
    const old = before.get(service) ?? [];
    if (slots === undefined || slots === old) continue;
    slots.forEach((slot, index) => {
      const previous = old[index];
      if (previous?.server === slot.server) return;
      const op = previous
        ? planServer(service, slot.name, slotLine(previous), slotLine(slot))
        : addServer(service, slot, addOptions);
      if (typeof op === "string") diff.reasons.push(op);
      else if (op.commands.length > 0) diff.ops.push(op);
    });
  }
  return diff;
}

/** `add server` for a new dynamic slot: made, checked, then ready. */
function addServer(service: string, slot: Slot, addOptions?: AddOptions): RuntimeOp | string {
  const id = `${service}/${slot.name}`;
  const server = slot.server;
  if (!slot.dynamic || !server) return `server ${id} is not in the config file`;
  const options = addOptions?.(service);
  if (options === undefined) return `backend ${service} takes no servers at runtime`;
  if (!addressArgs(server.address)) {
    return `server ${id} address ${server.address} is not an IP address`;
  }
  const weight = server.drain ? 0 : server.weight;
  const words = [server.address, options, `weight ${weight}`].filter(Boolean);
  const commands = [`add server ${id} ${words.join(" ")}`];
  if (/(^|\s)check(\s|$)/.test(options)) commands.push(`enable health ${id}`);
  commands.push(`set server ${id} state ready`);
  return {
    backend: service,
    server: slot.name,
    commands,
    why: `added at runtime (${server.address})`,
  };
}
