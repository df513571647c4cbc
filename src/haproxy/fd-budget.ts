// HAProxy's file-descriptor need, counted as HAProxy counts it, and the global `maxconn` that fits
// a descriptor limit. Pure.

import type { Layout } from "../model/layout.ts";
import type { RenderSettings } from "../render/render.ts";
import { FD } from "../tunables.ts";

/** What HAProxy's count depends on. */
export type FdDemand = {
  /** `server` lines that carry a check (a descriptor each), spare slots included. */
  serverLines: number;
  /** HAProxy's threads (one per CPU by default). */
  threads: number;
};

/** The descriptors sluice gives HAProxy, and what it needs at the chosen `maxconn`. */
export type FdBudget = {
  /** The soft RLIMIT_NOFILE HAProxy inherits (`fd-hard-limit` in the default template). */
  limit: number;
  /** The global `maxconn` that fits: `FD.maxconn`, or less when the limit is short. */
  maxconn: number;
  /** What HAProxy asks for at that maxconn (its own count, plus `FD.margin`). */
  needed: number;
  /** What HAProxy would ask for at the full `FD.maxconn`. */
  neededAtFull: number;
  /** Whether the limit holds HAProxy with at least `FD.minMaxconn` connections. */
  fits: boolean;
};

/** Descriptors HAProxy needs besides two per connection. */
export function fixedFdNeed(demand: FdDemand): number {
  return FD.fixed + FD.listeners + FD.perThread * demand.threads + demand.serverLines + FD.margin;
}

/** The `maxconn` that fits `limit` for `demand` (never above `wanted`), and what it needs. */
export function fdBudget(limit: number, demand: FdDemand, wanted: number = FD.maxconn): FdBudget {
  const fixed = fixedFdNeed(demand);
  const room = Math.floor((limit - fixed) / 2);
  const fits = room >= FD.minMaxconn;
  // Too short a limit: the minimum is asked for anyway, and HAProxy's refusal names the need.
  const maxconn = fits ? Math.min(wanted, room) : FD.minMaxconn;
  return { limit, maxconn, needed: fixed + 2 * maxconn, neededAtFull: fixed + 2 * wanted, fits };
}

/** HAProxy's thread count on a machine with `cpus` CPUs. */
export function haproxyThreads(cpus: number): number {
  return Math.max(1, Math.min(FD.maxThreads, cpus));
}

/** What to say when `budget` does not hold HAProxy; undefined when it does. */
export function fdShortage(budget: FdBudget, serverLines: number): string | undefined {
  if (budget.fits && budget.maxconn >= FD.maxconn) return undefined;
  const what = `the file-descriptor limit (${budget.limit}) is too low for ${serverLines} server slots`;
  const raise = "raise LimitNOFILE= in sluice.service (or ulimit -n)";
  if (!budget.fits) {
    return `${what}: HAProxy needs at least ${budget.needed}; ${raise}`;
  }
  return `${what} at maxconn ${FD.maxconn}: HAProxy runs with maxconn ${budget.maxconn} (it would need ${budget.neededAtFull}); ${raise}`;
}

/** `settings` with what the default template's global section sizes by: `fd_limit` (its
 * `fd-hard-limit`) and the `maxconn` that fits it. */
export function withFdBudget(settings: RenderSettings, budget: FdBudget): RenderSettings {
  return {
    ...settings,
    haproxy: { ...settings.haproxy, fd_limit: budget.limit, maxconn: budget.maxconn },
  };
}

/** Server lines a layout renders (spare slots included). */
export function layoutServerLines(layout: Layout): number {
  let lines = 0;
  for (const slots of layout.values()) lines += slots.length;
  return lines;
}
