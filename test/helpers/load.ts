// A bounded closed-loop HTTP load on loopback: counts answered and failed requests.

export type LoadResult = { ok: number; failed: number; errors: Map<string, number> };

export type Load = { stop(): Promise<LoadResult>; snapshot(): LoadResult };

export type LoadOptions = {
  url: string;
  concurrency: number;
  /** Reuse connections (keep-alive) or open a new one for every request. */
  keepAlive: boolean;
  /** The loop stops by itself after this long, whatever happens. */
  maxMs: number;
  /** ... or after this many requests. */
  maxRequests: number;
  /** Extra request headers (e.g. a Host header that picks the service). */
  headers?: Record<string, string>;
};

export function startLoad(options: LoadOptions): Load {
  const result: LoadResult = { ok: 0, failed: 0, errors: new Map() };
  const deadline = Date.now() + options.maxMs;
  let running = true;
  const fail = (reason: string) => {
    result.failed++;
    result.errors.set(reason, (result.errors.get(reason) ?? 0) + 1);
  };
  const headers: Record<string, string> = {
    ...options.headers,
    ...(options.keepAlive ? {} : { connection: "close" }),
  };
  const worker = async () => {
    while (running && Date.now() < deadline && result.ok + result.failed < options.maxRequests) {
      try {
        const response = await fetch(options.url, { headers, keepalive: options.keepAlive });
        await response.arrayBuffer();
        if (response.status === 200) result.ok++;
        else fail(`HTTP ${response.status}`);
      } catch (error) {
        fail((error as Error).message.slice(0, 80));
      }
    }
  };
  const workers = Array.from({ length: options.concurrency }, worker);
  return {
    async stop() {
      running = false;
      await Promise.all(workers);
      return result;
    },
    snapshot: () => ({ ...result, errors: new Map(result.errors) }),
  };
}
