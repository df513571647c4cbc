// The worker thread that renders the main template off the event loop: one renderer, fed one
// render at a time by src/render/off-loop.ts.

import { RenderError } from "../errors.ts";
import { decodeModel, type OffLoopReply, type OffLoopRequest } from "./off-loop.ts";
import { createRenderer, type Renderer } from "./render.ts";

declare const self: Worker;

let renderer: Renderer | undefined;
let limitsKey = "";

self.onmessage = (event: MessageEvent<OffLoopRequest>) => {
  const { id, limits, source, name, settings } = event.data;
  let reply: OffLoopReply;
  try {
    const key = JSON.stringify(limits);
    if (!renderer || key !== limitsKey) {
      renderer = createRenderer(limits);
      limitsKey = key;
    }
    const { model, layout } = decodeModel(event.data.model);
    reply = { id, text: renderer.render(source, name, model, settings, layout) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    reply = { id, error: message, renderError: error instanceof RenderError };
  }
  self.postMessage(reply);
  // The render leaves the decoded model and liquid's garbage behind: free it now rather than
  // keep a second large heap between reloads.
  Bun.gc(true);
};
