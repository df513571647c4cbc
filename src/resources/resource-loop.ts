// The resources in a running daemon: applied on every new key set (bursts coalesced like the
// HAProxy apply), one apply at a time, the newest key set winning; independent of HAProxy's apply.

import { createCoalescer } from "../coalesce.ts";
import type { SluiceConfig } from "../config/schema.ts";
import { describeError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { KeyValue } from "../model/types.ts";
import { createRenderer, DEFAULT_RENDER_LIMITS, type RenderLimits } from "../render/render.ts";
import type { TemplateStatus } from "./record.ts";
import { createResourceRunner, type ResourcePlan, type ResourcesApplied } from "./runner.ts";

/** The key set resources render from, and its revision. */
export type KeySet = { kvs: readonly KeyValue[]; revision: number };

export type ResourceLoop = {
  /** A new key set arrived: apply after the burst (apply.min_wait / max_wait). */
  changed(): void;
  /** Applies now (SIGHUP); resolves when the newest key set has been applied. */
  applyNow(): Promise<ResourcesApplied | undefined>;
  status(): TemplateStatus[];
  /** What the next apply would change, with diffs. */
  plan(): Promise<ResourcePlan[]>;
  /** Cancels a waiting apply and waits for a running one. */
  stop(): Promise<void>;
};

export type ResourceLoopOptions = {
  /** The newest key set. */
  current(): KeySet;
  log: Logger;
  /** Where the applies are published (the daemon's event bus); nowhere when omitted. */
  events?: { publish(type: string, data: Record<string, unknown>): void };
};

/** The render limits of `[haproxy]`, else the defaults table's. */
export function resourceRenderLimits(config: SluiceConfig): RenderLimits {
  const { haproxy } = config;
  if (!haproxy) return DEFAULT_RENDER_LIMITS;
  const { renderTimeoutMs, renderMemoryLimit, templateSizeLimit } = haproxy;
  return { timeoutMs: renderTimeoutMs, memory: renderMemoryLimit, templateSize: templateSizeLimit };
}

export function createResourceLoop(
  config: SluiceConfig,
  options: ResourceLoopOptions,
): ResourceLoop {
  const { log } = options;
  const runner = createResourceRunner({
    resources: config.templates,
    renderer: createRenderer(resourceRenderLimits(config)),
    log,
    ...(options.events ? { publish: options.events.publish } : {}),
  });
  let running: Promise<ResourcesApplied | undefined> | undefined;
  let again = false;
  let stopped = false;
  /** Applies until no newer key set arrived meanwhile; the last apply's report. */
  const loop = async () => {
    let report: ResourcesApplied | undefined;
    try {
      do {
        again = false;
        const { kvs, revision } = options.current();
        report = await runner.apply(kvs, revision);
      } while (again && !stopped);
    } catch (error) {
      log.error("template apply failed", { error: describeError(error) });
    } finally {
      running = undefined;
    }
    return report;
  };
  const applyNow = () => {
    if (stopped || config.templates.length === 0) return Promise.resolve(undefined);
    if (running) {
      again = true;
      return running;
    }
    running = loop();
    return running;
  };
  const coalescer = createCoalescer(
    () => void applyNow(),
    config.apply.minWaitMs,
    config.apply.maxWaitMs,
  );
  return {
    changed: () => coalescer.poke(),
    applyNow,
    status: () => runner.status(),
    plan: () => runner.plan(options.current().kvs),
    async stop() {
      stopped = true;
      coalescer.cancel();
      await running;
    },
  };
}
