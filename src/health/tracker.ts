// Keeps each backend's health by etcd key across polls and says which changed. Pure: the time and
// the etcd revision come with each observation.

import type { BackendHealth, HealthState, HealthTransition } from "./types.ts";

/** One server as a poll saw it. */
export type Observation = {
  service: string;
  name: string;
  key: string;
  address: string;
  state: HealthState;
  /** HAProxy's check status code (for telling a new failure from the one already described). */
  checkStatus: number;
  /** The failed check in words; null when the last check passed or none ran. */
  error: string | null;
  /** How long HAProxy has had the server in this state, ms (used when first seen down). */
  stateAgeMs: number;
};

/** When a poll happened and what etcd revision sluice knew then. */
export type ObservationContext = { nowMs: number; revision: number };

export type HealthTracker = {
  /** Records `observations`; keys neither observed nor in `keep` are forgotten (no longer
   * served). Returns the transitions, in the order observed. */
  observe(
    observations: readonly Observation[],
    keep: ReadonlySet<string>,
    context: ObservationContext,
  ): HealthTransition[];
  /** Replaces the error of `key` with a fuller description of the same failed check. */
  describe(key: string, error: string): void;
  get(key: string): BackendHealth | undefined;
  all(): BackendHealth[];
};

type Entry = { health: BackendHealth; errorStatus: number | undefined };

export function createHealthTracker(): HealthTracker {
  let entries = new Map<string, Entry>();

  function next(
    entry: Entry | undefined,
    seen: Observation,
    context: ObservationContext,
  ): Entry | undefined {
    const before = entry?.health;
    const changed = before?.state !== seen.state;
    // A failed check keeps its description until another status fails; a down server keeps the
    // error that took it down while its checks start passing again.
    const sameFailure = entry?.errorStatus === seen.checkStatus && seen.error !== null;
    const keepsError = seen.error === null && seen.state === "down" && !changed;
    const error = sameFailure || keepsError ? (before?.lastError ?? seen.error) : seen.error;
    const sameAddress = before?.address === seen.address && before?.name === seen.name;
    if (!changed && sameAddress && error === before?.lastError) return undefined;
    const startedMs = before === undefined ? context.nowMs - seen.stateAgeMs : context.nowMs;
    const health: BackendHealth = {
      service: seen.service,
      name: seen.name,
      key: seen.key,
      address: seen.address,
      state: seen.state,
      since: changed ? new Date(startedMs).toISOString() : before.since,
      lastError: error,
    };
    if (seen.state === "down") {
      health.downSinceMs = changed ? startedMs : before?.downSinceMs;
      health.downSinceRevision = changed ? context.revision : before?.downSinceRevision;
    }
    const errorStatus =
      error === null ? undefined : sameFailure ? entry?.errorStatus : seen.checkStatus;
    return { health, errorStatus };
  }

  return {
    observe(observations, keep, context) {
      const transitions: HealthTransition[] = [];
      const updated = new Map<string, Entry>();
      for (const key of keep) {
        const entry = entries.get(key);
        if (entry) updated.set(key, entry);
      }
      for (const seen of observations) {
        const entry = entries.get(seen.key);
        const replaced = next(entry, seen, context);
        updated.set(seen.key, replaced ?? entry!);
        if (replaced && replaced.health.state !== entry?.health.state) {
          const { service, name, key, address, state, lastError } = replaced.health;
          const at = replaced.health.since;
          transitions.push({
            service,
            name,
            key,
            address,
            from: entry?.health.state ?? null,
            to: state,
            at,
            lastError,
          });
        }
      }
      entries = updated;
      return transitions;
    },
    describe(key, error) {
      const entry = entries.get(key);
      if (entry) entry.health = { ...entry.health, lastError: error };
    },
    get: (key) => entries.get(key)?.health,
    all: () => [...entries.values()].map((entry) => entry.health),
  };
}
