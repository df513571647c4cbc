// One watch of the prefix on one watch stream: the create request, events, progress requests that
// notice a stream gone silent, and the end of the watch (compaction, cancel, failure or abort).
// States: opening → creating → watching ⇄ awaiting-progress → ended.

import { DiscoveryError } from "../errors.ts";
import { createStateMachine } from "../state.ts";
import type { EtcdConnection, WatchListener, WatchMessage, WatchStream } from "./connection.ts";
import type { MirrorEvent } from "./mirror.ts";

/** opening: the stream is being opened; creating: the create request is out; watching: events
 * flow; awaiting-progress: a progress request is unanswered; ended: nothing more is heard. */
export type WatchStreamState = "opening" | "creating" | "watching" | "awaiting-progress" | "ended";

const TRANSITIONS: Readonly<Record<WatchStreamState, readonly WatchStreamState[]>> = {
  opening: ["creating", "ended"],
  creating: ["watching", "ended"],
  watching: ["awaiting-progress", "ended"],
  "awaiting-progress": ["watching", "ended"],
  ended: [],
};

export type WatchOptions = {
  prefix: string;
  /** The first revision the watch delivers: the mirror's revision + 1. */
  startRevision: number;
  /** The watch fails when etcd has not created it by then, ms. */
  createTimeoutMs: number;
  /** How often a progress request is sent while watching, ms. */
  progressIntervalMs: number;
  /** How much longer than one interval an answer may take before the watch counts as stalled. */
  progressGraceMs: number;
  /** Aborting ends the watch with the signal's reason. */
  signal: AbortSignal;
  /** etcd created the watch. */
  onCreated(): void;
  onEvents(events: MirrorEvent[]): void;
};

/** Why a watch ended without failing: etcd compacted the history it asked for. */
export type WatchCompacted = { compactRevision: number };

/**
 * Watches every key under the prefix from `startRevision` on. Resolves when etcd compacted that
 * history (list again, then watch again); rejects with the error that ended the watch otherwise.
 */
export function watchPrefix(
  connection: EtcdConnection,
  options: WatchOptions,
): Promise<WatchCompacted> {
  return new Promise((resolve, reject) => {
    new PrefixWatch(options, resolve, reject).open(connection);
  });
}

class PrefixWatch {
  private readonly lifecycle = createStateMachine<WatchStreamState>(
    "etcd watch stream",
    "opening",
    TRANSITIONS,
  );
  private stream: WatchStream | undefined;
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  /** When the unanswered progress request was sent. */
  private askedAt = 0;
  private readonly onAbort = () => this.finish(abortReason(this.options.signal));

  constructor(
    private readonly options: WatchOptions,
    private readonly resolve: (outcome: WatchCompacted) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  open(connection: EtcdConnection): void {
    if (this.options.signal.aborted) {
      this.onAbort();
      return;
    }
    this.options.signal.addEventListener("abort", this.onAbort, { once: true });
    const listener: WatchListener = {
      message: (message) => this.receive(message),
      failed: (error) => this.finish(error),
    };
    connection.watch(listener).then(
      (stream) => this.opened(stream),
      (error: unknown) => this.finish(error),
    );
  }

  private opened(stream: WatchStream): void {
    if (this.lifecycle.is("ended")) {
      stream.cancel();
      return;
    }
    this.stream = stream;
    this.lifecycle.moveTo("creating");
    const { createTimeoutMs, progressIntervalMs } = this.options;
    this.timers.push(
      setTimeout(() => {
        if (this.lifecycle.is("creating")) {
          this.finish(new DiscoveryError(`watch not created within ${createTimeoutMs}ms`));
        }
      }, createTimeoutMs),
      setInterval(() => this.checkProgress(), progressIntervalMs),
    );
    stream.create({ prefix: this.options.prefix, startRevision: this.options.startRevision });
  }

  /** Asks for progress while watching; a request unanswered for too long ends the watch. */
  private checkProgress(): void {
    if (this.lifecycle.is("watching")) {
      this.askedAt = Date.now();
      this.lifecycle.moveTo("awaiting-progress");
      this.stream?.requestProgress();
    } else if (
      this.lifecycle.is("awaiting-progress") &&
      Date.now() - this.askedAt >= this.options.progressIntervalMs + this.options.progressGraceMs
    ) {
      this.finish(new DiscoveryError("watch stopped answering progress requests"));
    }
  }

  private receive(message: WatchMessage): void {
    if (this.lifecycle.is("ended")) return;
    try {
      // Any message from etcd answers a progress request.
      if (this.lifecycle.is("awaiting-progress")) this.lifecycle.moveTo("watching");
      if (message.kind === "compacted")
        this.compacted({ compactRevision: message.compactRevision });
      else if (message.kind === "canceled") {
        const text = `watch canceled by etcd: ${message.reason}`;
        this.finish(new DiscoveryError(text, { refused: message.refused }));
      } else if (message.kind === "created") {
        this.lifecycle.moveTo("watching");
        this.options.onCreated();
      } else if (message.kind === "events") this.options.onEvents(message.events);
    } catch (error) {
      // A message out of order (a second "created") ends the watch, visibly.
      this.finish(error);
    }
  }

  /** Ends the watch with `error`, unless it has ended already. */
  private finish(error: unknown): void {
    if (this.close()) this.reject(error);
  }

  private compacted(outcome: WatchCompacted): void {
    if (this.close()) this.resolve(outcome);
  }

  /** Moves to "ended" and lets go of the stream; false when the watch had ended already. */
  private close(): boolean {
    if (this.lifecycle.is("ended")) return false;
    this.lifecycle.moveTo("ended");
    for (const timer of this.timers) clearTimeout(timer);
    this.options.signal.removeEventListener("abort", this.onAbort);
    this.stream?.cancel();
    return true;
  }
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DiscoveryError("stopped");
}
