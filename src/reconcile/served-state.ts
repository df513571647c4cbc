// The served side as the reconciler records it: what HAProxy runs, what the config file holds,
// the fast path's state, the guards' holds, and the services seen with servers.

import type { Logger } from "../log.ts";
import type { Hold } from "../model/guards.ts";
import { lookupService } from "../model/sorted.ts";
import type { Model } from "../model/types.ts";
import { createStateMachine, type StateMachine } from "../state.ts";
import type { SeenServices } from "./model-source.ts";
import { FAST_PATH_TRANSITIONS, type FastPathState, type Prepared, type Served } from "./types.ts";

export type ServedState = {
  served: Served;
  fastPath: StateMachine<FastPathState>;
  holds(): Hold[];
  /** Records what HAProxy now serves; `text` when the config file was written to match. */
  commit(
    prepared: Prepared,
    text: string | undefined,
    next: FastPathState,
    templateKey: string,
  ): void;
  /** Records that the config file caught up with HAProxy, holding `text`. */
  fileCaughtUp(text: string): void;
  /** The services served with servers so far, and the order they were first seen in. */
  seen(): SeenServices;
};

export function createServedState(empty: Model, log: Logger): ServedState {
  const seenServices = new Set<string>();
  const seenOrder: string[] = [];
  const served: Served = {
    model: empty,
    layout: undefined,
    text: undefined,
    fileLayout: undefined,
    templateKey: "",
    seenServices,
  };
  const fastPath = createStateMachine<FastPathState>("fast path", "cold", FAST_PATH_TRANSITIONS);
  let holds: Hold[] = [];

  return {
    served,
    fastPath,
    holds: () => holds,
    commit(prepared, text, next, templateKey) {
      const defaultBefore = served.model.defaultService;
      served.model = prepared.model;
      // Unmatched Host headers move with it: worth a line whenever it changes.
      if (prepared.model.defaultService !== defaultBefore) {
        log.info("default service", {
          service: prepared.model.defaultService ?? "",
          was: defaultBefore ?? "",
        });
      }
      served.layout = prepared.layout;
      if (text !== undefined) {
        served.text = text;
        served.fileLayout = prepared.layout;
      }
      served.templateKey = templateKey;
      fastPath.moveTo(next);
      const before = JSON.stringify(holds);
      holds = prepared.holds;
      if (JSON.stringify(holds) !== before) {
        for (const hold of holds) log.warn("guard held back removals", { ...hold });
      }
      // Only services that differ from the model served before can be seen for the first time.
      const services = prepared.changed
        ? [...prepared.changed].flatMap((name) => lookupService(served.model, name) ?? [])
        : served.model.services;
      for (const service of services) {
        if (service.servers.length === 0 || seenServices.has(service.name)) continue;
        seenServices.add(service.name);
        seenOrder.push(service.name);
      }
    },
    seen: () => ({ set: seenServices, order: seenOrder }),
    fileCaughtUp(text) {
      served.text = text;
      served.fileLayout = served.layout;
      fastPath.moveTo("ready");
    },
  };
}
