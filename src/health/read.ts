// One read of HAProxy's server states into the tracker: rows → slots → keys → transitions, with
// the failed checks of servers that just went down described in full.

import type { Logger } from "../log.ts";
import type { Layout } from "../model/layout.ts";
import { type CheckTarget, describeFailures, type StatsSource } from "./details.ts";
import { indexLayout, mapRows, type SlotIndex, servedKeys } from "./observe.ts";
import { parseServersState } from "./servers-state.ts";
import type { HealthTracker } from "./tracker.ts";
import type { HealthTransition } from "./types.ts";

export type ReadSources = {
  source: StatsSource;
  layout(): Layout | undefined;
  revision(): number;
  now(): number;
  log: Logger;
};

/** A reader that remembers the index of the last layout it saw (layouts are replaced, never
 * changed in place, so the same object means the same slots). */
export function createStateReader(
  sources: ReadSources,
  tracker: HealthTracker,
): () => Promise<HealthTransition[]> {
  let cached: { layout: Layout; index: SlotIndex } | undefined;
  const indexOf = (layout: Layout): SlotIndex => {
    if (cached?.layout !== layout) cached = { layout, index: indexLayout(layout) };
    return cached.index;
  };

  return async () => {
    // The layout is looked at before and after the read: a slot that changed in between is not
    // attributed this time.
    const layoutBefore = sources.layout();
    const text = await sources.source.serversState();
    const layout = sources.layout();
    if (!layout || !layoutBefore) return [];
    const mapped = mapRows(parseServersState(text), indexOf(layoutBefore), indexOf(layout));
    // The failed checks of servers about to go down are described before the tracker is told,
    // so nobody reading it between the two sees a down server without its full error.
    const failed: CheckTarget[] = [];
    for (const seen of mapped.observations) {
      const row = mapped.rows.get(seen.key);
      if (seen.state === "down" && row && tracker.get(seen.key)?.state !== "down") {
        failed.push({ key: seen.key, backend: row.backend, id: row.id });
      }
    }
    const described = await describeFailures(sources.source, failed, sources.log);
    const context = { nowMs: sources.now(), revision: sources.revision() };
    const transitions = tracker.observe(mapped.observations, servedKeys(layout), context);
    for (const { key, to } of transitions) {
      const description = described.get(key);
      if (to === "down" && description !== undefined) tracker.describe(key, description);
    }
    return transitions.map((transition) => ({
      ...transition,
      lastError: tracker.get(transition.key)?.lastError ?? transition.lastError,
    }));
  };
}

/** Transitions logged one by one per poll; the rest of a mass change is counted in one line. */
export const LOGGED_PER_POLL = 100;

/** Whether a transition is worth a line: a server seen for the first time only when it is not
 * serving. */
function worthLogging(transition: HealthTransition): boolean {
  return transition.from !== null || transition.to === "down" || transition.to === "maint";
}

/** One log line per transition (service, server, key, from→to, check error), the first
 * LOGGED_PER_POLL of a poll; then one line counting the rest by state. */
export function logTransitions(log: Logger, transitions: readonly HealthTransition[]): void {
  const logged = transitions.filter(worthLogging);
  for (const transition of logged.slice(0, LOGGED_PER_POLL)) logTransition(log, transition);
  const rest = logged.slice(LOGGED_PER_POLL);
  if (rest.length === 0) return;
  const counts: Record<string, number> = {};
  for (const { to } of rest) counts[to] = (counts[to] ?? 0) + 1;
  log.warn("more backends changed state than are logged one by one", {
    more: rest.length,
    ...counts,
  });
}

function logTransition(log: Logger, transition: HealthTransition): void {
  const fields = {
    service: transition.service,
    server: transition.name,
    key: transition.key,
    address: transition.address,
    from: transition.from ?? "new",
    to: transition.to,
    error: transition.lastError ?? undefined,
  };
  if (transition.to === "down") log.warn("backend down", fields);
  else log.info(`backend ${transition.to}`, fields);
}
