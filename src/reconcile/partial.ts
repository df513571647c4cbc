// The part of a reload that need not wait for it: while a structural change (a new service, say)
// waits for `reload_wait` and the pacer, the services whose change is membership only are served
// through the runtime API at once. What it serves is the served model with those services
// replaced; the reload that follows serves the rest. Pure.

import type { Hold } from "../model/guards.ts";
import { type LayoutOptions, updateLayout } from "../model/layout.ts";
import { lookupService, patchSorted } from "../model/sorted.ts";
import type { Model, Service } from "../model/types.ts";
import type { AddOptions } from "./layout-ops.ts";
import { diffLayouts, sameStructure } from "./layout-ops.ts";
import type { Prepared, Served } from "./types.ts";

export type PartialContext = {
  layoutOptions: LayoutOptions;
  templateKey(model: Model): string;
  addOptions: AddOptions;
};

/** What the runtime API can serve of `next` now, or undefined when nothing. */
export function partialUpdate(
  served: Served,
  next: { revision: number; desired: Model; model: Model; holds: Hold[] },
  changed: ReadonlySet<string>,
  context: PartialContext,
): Prepared | undefined {
  const { layout: servedLayout } = served;
  if (!servedLayout) return undefined;
  const updates = new Map<string, Service>();
  for (const name of changed) {
    const old = lookupService(served.model, name);
    const service = lookupService(next.model, name);
    // A service added or removed, or with new settings, is the reload's.
    if (!old || !service || old.balance !== service.balance) continue;
    if (old.hostnames.join(" ") !== service.hostnames.join(" ")) continue;
    updates.set(name, service);
  }
  if (updates.size === 0) return undefined;
  const services = patchSorted(
    served.model.services,
    updates,
    (s) => s.name,
    () => [
      ...served.model.services.filter((service) => !updates.has(service.name)),
      ...updates.values(),
    ],
  );
  const model: Model = { ...served.model, services };
  if (context.templateKey(model) !== served.templateKey) return undefined;
  const names = new Set(updates.keys());
  const layout = updateLayout(servedLayout, model, context.layoutOptions, names, true);
  if (!sameStructure(served.model, model, servedLayout, layout, names)) return undefined;
  const { ops, reasons } = diffLayouts(servedLayout, layout, names, context.addOptions);
  if (reasons.length > 0 || ops.length === 0) return undefined;
  return {
    ...{ revision: next.revision, desired: next.desired, model, holds: next.holds, layout },
    ...{ changed: names, text: undefined, catchUp: undefined, plan: { kind: "runtime", ops } },
  };
}
