// Renders the main template in a worker thread, so a config of 100,000 servers does not stall the
// event loop (the admin API, etcd's watch, HAProxy's probes) for a second or more. The worker is
// started on first use, stopped once idle (its heap with it), and never keeps the process alive.

import { RenderError } from "../errors.ts";
import type { Layout, Slot } from "../model/layout.ts";
import type { Model, Service } from "../model/types.ts";
import { RENDER } from "../tunables.ts";
import { yieldToLoop } from "../yield-to-loop.ts";
import type { RenderLimits, RenderSettings } from "./render.ts";

/** One render asked of the worker; the model and layout travel as JSON text (`encodeModel`),
 * which is cheaper to make and to send than a structured clone of 100,000 servers. */
export type OffLoopRequest = {
  id: number;
  limits: RenderLimits;
  source: string;
  name: string;
  settings: RenderSettings;
  model: string;
};

/** Servers (or slots) encoded in one piece. */
const ITEMS_PER_SLICE = 2000;

/** Characters encoded between two yields to the event loop (a few ms of work). */
const CHARS_PER_YIELD = 256 * 1024;

/** A service with its slots as [name, key of the server in it, or null]. */
type EncodedService = [Model["services"][number], [string, string | null][]];

/** The JSON of `items`, a slice at a time, without its brackets. */
function* listSlices(items: readonly unknown[]): Generator<string> {
  for (let i = 0; i < items.length; i += ITEMS_PER_SLICE) {
    yield `${i > 0 ? "," : ""}${JSON.stringify(items.slice(i, i + ITEMS_PER_SLICE)).slice(1, -1)}`;
  }
}

/** One service as an EncodedService, in pieces of at most ITEMS_PER_SLICE servers or slots. */
function* servicePieces(service: Service, slots: readonly Slot[]): Generator<string> {
  const { servers, ...rest } = service;
  const head = JSON.stringify(rest);
  yield `[${head.slice(0, -1)}${head === "{}" ? "" : ","}"servers":[`;
  yield* listSlices(servers);
  yield "]},[";
  yield* listSlices(slots.map((slot) => [slot.name, slot.server?.key ?? null]));
  yield "]]";
}

/** `model` and the slots of `layout` as JSON, a slice of servers at a time with a yield
 * between, so encoding a large model does not stall the loop either. */
export async function encodeModel(model: Model, layout: Layout): Promise<string> {
  const head = {
    revision: model.revision,
    defaultService: model.defaultService,
    trusted: model.trusted,
  };
  const parts = [`${JSON.stringify(head).slice(0, -1)},"services":[`];
  let chars = 0;
  for (const [index, service] of model.services.entries()) {
    if (index > 0) parts.push(",");
    for (const piece of servicePieces(service, layout.get(service.name) ?? [])) {
      parts.push(piece);
      chars += piece.length;
      if (chars >= CHARS_PER_YIELD) {
        chars = 0;
        await yieldToLoop();
      }
    }
  }
  parts.push("]}");
  return parts.join("");
}

/** The model (without rejections) and layout `encodeModel` wrote. */
export function decodeModel(text: string): { model: Model; layout: Layout } {
  const decoded = JSON.parse(text) as Omit<Model, "services" | "rejected"> & {
    services: EncodedService[];
  };
  const layout: Layout = new Map();
  const services = decoded.services.map(([service, slots]) => {
    const byKey = new Map(service.servers.map((server) => [server.key, server]));
    layout.set(
      service.name,
      slots.map(([name, key]) => ({ name, server: key === null ? undefined : byKey.get(key) })),
    );
    return service;
  });
  return { model: { ...decoded, services, rejected: [] }, layout };
}

/** The worker's answer: the text, or the render's error message. */
export type OffLoopReply =
  | { id: number; text: string }
  | { id: number; error: string; renderError: boolean };

export type OffLoopRenderer = {
  /** Renders in the worker; throws RenderError as a render on the loop would, and anything else
   * when the worker cannot be used (the caller renders on the loop instead). */
  render(
    source: string,
    name: string,
    model: Model,
    settings: RenderSettings,
    layout: Layout,
  ): Promise<string>;
  /** Whether a worker is running (it is stopped once idle for RENDER.workerIdleMs). */
  running(): boolean;
};

/** The worker's module: bundled beside main.ts in the executable (packaging/build.ts), where
 * the virtual file system names entry points relative to src/. */
function workerSpecifier(): string {
  const compiled = process.argv[1]?.startsWith("/$bunfs/") ?? false;
  return compiled
    ? "/$bunfs/root/render/render-worker.js"
    : new URL("./render-worker.ts", import.meta.url).href;
}

type Waiting = { resolve(text: string): void; reject(error: Error): void };

export function createOffLoopRenderer(limits: RenderLimits): OffLoopRenderer {
  let worker: Worker | undefined;
  let nextId = 0;
  const waiting = new Map<number, Waiting>();
  let idle: ReturnType<typeof setTimeout> | undefined;
  /** Stops the worker; every render it still owed fails with `error`. */
  const stop = (error: Error) => {
    clearTimeout(idle);
    worker?.terminate();
    worker = undefined;
    for (const entry of waiting.values()) entry.reject(error);
    waiting.clear();
  };
  // A worker that rendered a large model keeps a heap of its own (~100 MB at 100,000 servers):
  // once renders pause, it is stopped, and started again for the next one.
  const stopWhenIdle = () => {
    clearTimeout(idle);
    if (waiting.size > 0) return;
    idle = setTimeout(() => {
      if (waiting.size === 0) stop(new Error("the render worker was stopped while idle"));
    }, RENDER.workerIdleMs);
    idle.unref?.();
  };
  const start = () => {
    const started = new Worker(workerSpecifier());
    started.unref();
    started.onmessage = (event: MessageEvent<OffLoopReply>) => {
      const reply = event.data;
      const entry = waiting.get(reply.id);
      waiting.delete(reply.id);
      if (!entry) return;
      stopWhenIdle();
      if ("text" in reply) entry.resolve(reply.text);
      else entry.reject(reply.renderError ? new RenderError(reply.error) : new Error(reply.error));
    };
    started.onerror = (event) => stop(new Error(`the render worker failed: ${event.message}`));
    return started;
  };
  return {
    running: () => worker !== undefined,
    async render(source, name, model, settings, layout) {
      const encoded = await encodeModel(model, layout);
      clearTimeout(idle);
      worker ??= start();
      const id = ++nextId;
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            stop(new RenderError(`${name}: render did not finish within ${limits.timeoutMs}ms`)),
          limits.timeoutMs + RENDER.workerGraceMs,
        );
        const settle =
          <T>(then: (value: T) => void) =>
          (value: T) => {
            clearTimeout(timer);
            then(value);
          };
        waiting.set(id, { resolve: settle(resolve), reject: settle(reject) });
        const request: OffLoopRequest = { id, limits, source, name, settings, model: encoded };
        worker!.postMessage(request);
      });
    },
  };
}
