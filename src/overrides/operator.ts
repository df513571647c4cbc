// Operator actions on backend servers: drain, maint and ready through HAProxy's runtime API, with
// no reload. The override stays in force across reloads (put back after each) and runtime updates
// of the same server (amended into their batch) until `ready` lifts it, or the key goes away.

import { describeError, SluiceError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Layout, Slot } from "../model/layout.ts";
import { lookupService } from "../model/sorted.ts";
import type { Model } from "../model/types.ts";
import { withOverrideStates } from "./server-state.ts";
import {
  amendCommands,
  type BackendAction,
  type Override,
  type OverrideAction,
  type OverrideStore,
  stateCommand,
} from "./store.ts";

export type OperatorOptions = {
  store: OverrideStore;
  /** What HAProxy serves, and in which slots. */
  served(): Model;
  layout(): Layout | undefined;
  /** Runs runtime API commands in one batch; throws when HAProxy refuses one. */
  runCommands(commands: string[]): Promise<void>;
  publish(type: string, data: Record<string, unknown>): void;
  /** Rewrites HAProxy's server-state file on disk through `transform`, so a restart after a
   * crash restores the overrides as they are now. */
  rewriteStateFile?(transform: (text: string) => string): void;
  log: Logger;
  now?: () => Date;
};

export type BackendActionResult = {
  ok: true;
  service: string;
  backend: string;
  action: BackendAction;
};

export type OperatorActions = {
  /** Puts server `backend` of `service` in `action`'s state; throws not_found (404) for an
   * unknown one, apply (500) when HAProxy refuses. `by` says who asked, for the event. */
  act(
    service: string,
    backend: string,
    action: BackendAction,
    by: string,
  ): Promise<BackendActionResult>;
  /** A runtime batch with the overrides it touches put back after it. */
  amend(commands: string[]): string[];
  /** Puts every override in force again (after a reload or start); never throws. */
  reassert(): Promise<void>;
  /** Lifts the overrides of keys that are no longer served. */
  prune(): void;
  /** A `show servers state` dump with the overrides' admin states, and no others. */
  serverState(dump: string): string;
  overrideOf(key: string): OverrideAction | null;
  list(): Override[];
};

/** The slot HAProxy serves `override`'s key in. */
function slotName(options: OperatorOptions, override: Pick<Override, "service" | "key">) {
  const slots = options.layout()?.get(override.service);
  return slots?.find((slot) => slot.server?.key === override.key)?.name;
}

/** The served server `backend` of `service`, and its slot; throws not_found. */
function findBackend(options: OperatorOptions, service: string, backend: string) {
  const served = options.served().services.find((candidate) => candidate.name === service);
  if (!served) throw new SluiceError("not_found", `no service named "${service}"`);
  const server = served.servers.find((candidate) => candidate.name === backend);
  const slot = server && slotName(options, { service, key: server.key });
  if (!server || slot === undefined) {
    throw new SluiceError("not_found", `no backend "${backend}" in service "${service}"`);
  }
  return { key: server.key, slot };
}

/** `dump` with each occupied slot's forced state its override's, else ready. */
function overrideStates(options: OperatorOptions, dump: string): string {
  const byKey = new Map(options.store.list().map((override) => [override.key, override.action]));
  const layout = options.layout();
  // One name index per backend, built when the dump first names it: a lookup per dump line
  // instead of a scan of the backend's slots (quadratic at 20,000 servers).
  const slotsByName = new Map<string, Map<string, Slot>>();
  const slotOf = (backend: string, name: string) => {
    let slots = slotsByName.get(backend);
    if (!slots) {
      slots = new Map((layout?.get(backend) ?? []).map((slot) => [slot.name, slot]));
      slotsByName.set(backend, slots);
    }
    return slots.get(name);
  };
  return withOverrideStates(dump, (backend, name) => {
    const server = slotOf(backend, name)?.server;
    return server && (byKey.get(server.key) ?? "ready");
  });
}

export function createOperatorActions(options: OperatorOptions): OperatorActions {
  const { store, log } = options;
  const now = options.now ?? (() => new Date());
  /** One action at a time, so HAProxy gets them in the order the store took them. */
  let chain: Promise<unknown> = Promise.resolve();

  const slotOf = (override: Pick<Override, "service" | "key">) => slotName(options, override);
  const serverState = (dump: string) => overrideStates(options, dump);

  async function act(service: string, backend: string, action: BackendAction, by: string) {
    const { key, slot } = findBackend(options, service, backend);
    const previous = store.get(key);
    if (action === "ready") store.clear(key);
    else store.set({ key, service, backend, action, since: now().toISOString() });
    try {
      await options.runCommands([stateCommand(service, slot, action)]);
    } catch (error) {
      if (previous) store.set(previous);
      else store.clear(key);
      throw error;
    }
    options.rewriteStateFile?.(serverState);
    log.info(`backend ${action === "ready" ? "ready again" : `set to ${action}`}`, {
      service,
      backend,
      key,
      by,
    });
    options.publish("override", { service, backend, key, action, by });
    return { ok: true as const, service, backend, action };
  }

  return {
    act(service, backend, action, by) {
      const next = chain.then(() => act(service, backend, action, by));
      chain = next.catch(() => undefined);
      return next;
    },
    amend: (commands) => amendCommands(commands, store.list(), slotOf),
    async reassert() {
      const commands = store.list().flatMap((override) => {
        const slot = slotOf(override);
        return slot === undefined ? [] : [stateCommand(override.service, slot, override.action)];
      });
      if (commands.length === 0) return;
      await options.runCommands(commands).catch((error) => {
        log.warn("cannot put operator overrides back in force", { error: describeError(error) });
      });
    },
    prune() {
      const overrides = store.list();
      if (overrides.length === 0) return;
      // Only the services that have overrides are looked at, not every served server.
      const served = options.served();
      const services = new Set(overrides.map((override) => override.service));
      const keys = new Set(
        [...services].flatMap(
          (name) => lookupService(served, name)?.servers.map((server) => server.key) ?? [],
        ),
      );
      for (const gone of store.prune(keys)) {
        const { service, backend, key } = gone;
        options.publish("override", { service, backend, key, action: "ready", by: "sluice" });
      }
    },
    serverState,
    overrideOf: (key) => store.get(key)?.action ?? null,
    list: () => store.list(),
  };
}
