// A server-sent events client for tests: fetch with a streaming body, parsed into events.

export type ReceivedEvent = { id: number | undefined; type: string; data: Record<string, unknown> };

export type EventClient = {
  /** Every event received so far, in order. */
  events: ReceivedEvent[];
  /** Resolves with the first event after position `from` (default: the next unseen) matching
   * `match`; throws after `timeoutMs`. */
  waitFor(match: (event: ReceivedEvent) => boolean, timeoutMs?: number): Promise<ReceivedEvent>;
  close(): void;
};

/** Opens `url` (a /v1/events address) as an SSE stream. */
export async function openEvents(
  url: string,
  headers: Record<string, string> = {},
): Promise<EventClient> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  if (!response.ok || !response.body) throw new Error(`${url}: HTTP ${response.status}`);
  const events: ReceivedEvent[] = [];
  const waiters = new Set<() => void>();
  let searched = 0;
  void (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of response.body!) {
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const frame = parseFrame(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          if (frame) events.push(frame);
          end = buffer.indexOf("\n\n");
        }
        for (const wake of [...waiters]) wake();
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    events,
    async waitFor(match, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (true) {
        for (; searched < events.length; searched++) {
          if (match(events[searched]!)) return events[searched++]!;
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          const seen = events.map((event) => `${event.id} ${event.type}`).join(", ");
          throw new Error(`no matching event within ${timeoutMs} ms; got: ${seen}`);
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, left);
          waiters.add(wake);
        });
      }
    },
    close: () => abort.abort(),
  };
}

/** One SSE frame; undefined for comments (heartbeats). */
function parseFrame(frame: string): ReceivedEvent | undefined {
  let id: number | undefined;
  let type = "message";
  const data: string[] = [];
  for (const line of frame.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") id = Number(value);
    else if (field === "event") type = value;
    else if (field === "data") data.push(value);
  }
  if (data.length === 0) return undefined;
  return { id, type, data: JSON.parse(data.join("\n")) as Record<string, unknown> };
}
