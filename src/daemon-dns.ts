// The main template's DNS answers in the daemon: names a render asked for anew are resolved after
// it, every name it uses again every DNS.refreshMs, and a changed answer renders and reloads.

import { describeError } from "./errors.ts";
import type { Part } from "./lifecycle.ts";
import type { Logger } from "./log.ts";
import type { RenderPipeline } from "./pipeline.ts";
import { DNS } from "./tunables.ts";

export type DnsAnswers = Part & {
  /** The pipeline whose renders, done or failed, resolve the names they asked for anew. */
  pipeline: RenderPipeline;
};

/**
 * Keeps `pipeline`'s DNS answers fresh; `reload` requests a forced reload (queued after a job that
 * runs). Forced, because the fast path knows servers, not answers: an apply could find nothing
 * to do, and an answer that changed while a job ran could be taken as served. One lookup round
 * at a time; nothing is resolved while the template uses no DNS.
 */
export function createDnsAnswers(
  pipeline: RenderPipeline,
  reload: () => void,
  log: Logger,
  everyMs: number = DNS.refreshMs,
): DnsAnswers {
  let timer: ReturnType<typeof setInterval> | undefined;
  let round: Promise<void> = Promise.resolve();
  let stopped = false;
  const resolve = (lookup: () => Promise<boolean>, why: string) => {
    round = round
      .then(async () => {
        if (stopped || !(await lookup()) || stopped) return;
        log.info("DNS answers of the template changed; rendering again", { why });
        reload();
      })
      .catch((error) => log.warn("DNS lookup failed", { error: describeError(error) }));
  };
  const rendered = () => {
    if (!stopped && pipeline.dnsPending()) resolve(pipeline.settleDns, "new names");
  };
  return {
    name: "template DNS answers",
    start() {
      timer = setInterval(() => resolve(pipeline.refreshDns, "refresh"), everyMs);
    },
    stop() {
      // A lookup in flight is not waited for (the resolver has its own timeouts); its answer is
      // dropped.
      stopped = true;
      clearInterval(timer);
    },
    pipeline: {
      ...pipeline,
      render(model, layout) {
        try {
          return pipeline.render(model, layout);
        } finally {
          rendered();
        }
      },
      async renderOffLoop(model, layout) {
        try {
          return await pipeline.renderOffLoop(model, layout);
        } finally {
          rendered();
        }
      },
    },
  };
}
