// The apply queue: one job at a time, and the newest desired state wins. A request made while a
// job runs is merged into the single job queued behind it (Traefik's configuration watcher), and
// that job reads the desired state when it starts, so a burst costs at most two jobs.

import { createStateMachine } from "../state.ts";

/**
 * What a job must do, weakest first: a stronger request absorbs a weaker one. `sync`: the config
 * file follows HAProxy; `background`: a reload sluice wants on its own (it rewrites the file, and
 * syncs it when no longer wanted); `apply`: the newest state (the cycle checks for a background
 * reload after every job); `reload`: a forced reload of the newest state.
 */
export type ApplyKind = "sync" | "background" | "apply" | "reload";
const STRENGTH: Record<ApplyKind, number> = { sync: 0, background: 1, apply: 2, reload: 3 };

/** `idle`: nothing runs; `running`: a job runs; `stopped`: no job will run again. */
export type QueueState = "idle" | "running" | "stopped";

export type ApplyQueue<Result> = {
  /** Runs a job of at least `kind`, now or after the one running; resolves with its result. */
  request(kind: ApplyKind): Promise<Result>;
  /** Whether a job is queued or running. */
  pending(): boolean;
  state(): QueueState;
  /** Lets the running job finish; queued and later requests are refused. */
  stop(): Promise<void>;
};

type Queued<Result> = {
  kind: ApplyKind;
  promise: Promise<Result>;
  resolve(result: Result): void;
  reject(error: unknown): void;
};

export function createApplyQueue<Result>(
  run: (kind: ApplyKind) => Promise<Result>,
): ApplyQueue<Result> {
  const state = createStateMachine<QueueState>("apply queue", "idle", {
    idle: ["running", "stopped"],
    running: ["idle", "stopped"],
    stopped: [],
  });
  let queued: Queued<Result> | undefined;
  let drained: Promise<void> = Promise.resolve();

  async function drain(): Promise<void> {
    while (queued && !state.is("stopped")) {
      const job = queued;
      queued = undefined;
      try {
        job.resolve(await run(job.kind));
      } catch (error) {
        job.reject(error);
      }
    }
    if (state.is("running")) state.moveTo("idle");
  }

  return {
    request(kind) {
      if (state.is("stopped")) return Promise.reject(new Error("sluice is stopping"));
      if (queued) {
        if (STRENGTH[kind] > STRENGTH[queued.kind]) queued.kind = kind;
        return queued.promise;
      }
      const { promise, resolve, reject } = Promise.withResolvers<Result>();
      queued = { kind, promise, resolve, reject };
      if (state.is("idle")) {
        state.moveTo("running");
        // Started on the next microtask, so requests made in the same tick share one job.
        drained = Promise.resolve().then(drain);
      }
      return promise;
    },
    pending: () => queued !== undefined || state.is("running"),
    state: () => state.current(),
    async stop() {
      if (!state.is("stopped")) state.moveTo("stopped");
      queued?.reject(new Error("sluice is stopping"));
      queued = undefined;
      await drained;
    },
  };
}
