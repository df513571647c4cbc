// A loopback TCP proxy that can cut every connection on demand, put in front of an etcd endpoint
// to inject disconnects. Bytes pass through untouched (gRPC over HTTP/2, with or without TLS).

import type { Socket, TCPSocketListener } from "bun";

export type TestProxy = {
  port: number;
  /** `http://127.0.0.1:<port>` (`https://` when the target speaks TLS). */
  endpoint: string;
  /** How many times cut() ran. */
  readonly cuts: number;
  /** Connections accepted and passed on, in total. */
  readonly accepted: number;
  /** Connections closed at once because the proxy was cut. */
  readonly refused: number;
  /** Connections open now. */
  readonly open: number;
  readonly isCut: boolean;
  /** Destroys every connection both ways; new ones are accepted and closed at once. */
  cut(): void;
  /** Passes new connections on again. */
  restore(): void;
  stop(): void;
};

export type ProxyOptions = {
  targetHost?: string;
  /** Scheme of `endpoint`; the proxy itself does not look at the bytes. Default "http". */
  scheme?: "http" | "https";
};

/** Past this many bytes queued for one side, the other side is paused until it drains. */
const HIGH_WATER = 1 << 20;

/** Bytes waiting for one socket, in order. */
type Queue = { chunks: Uint8Array[]; bytes: number; endWhenFlushed: boolean };

type Pair = {
  client: Socket<Pair>;
  upstream: Socket<Pair> | undefined;
  toClient: Queue;
  toUpstream: Queue;
  closed: boolean;
  /** Readers paused because the opposite queue is over HIGH_WATER. */
  clientPaused: boolean;
  upstreamPaused: boolean;
};

const newQueue = (): Queue => ({ chunks: [], bytes: 0, endWhenFlushed: false });

export async function startProxy(
  targetPort: number,
  options: ProxyOptions = {},
): Promise<TestProxy> {
  const targetHost = options.targetHost ?? "127.0.0.1";
  const pairs = new Set<Pair>();
  let cut = false;
  let cuts = 0;
  let accepted = 0;
  let refused = 0;

  const close = (pair: Pair) => {
    if (pair.closed) return;
    pair.closed = true;
    pairs.delete(pair);
    pair.client.terminate();
    pair.upstream?.terminate();
  };

  /** Writes what is queued for `to`; true when the queue is empty afterwards. */
  const flush = (pair: Pair, to: Socket<Pair>, queue: Queue): boolean => {
    while (queue.chunks.length > 0) {
      const chunk = queue.chunks[0]!;
      const written = to.write(chunk);
      if (written < 0) {
        close(pair);
        return false;
      }
      queue.bytes -= written;
      if (written < chunk.length) {
        queue.chunks[0] = chunk.subarray(written);
        return false;
      }
      queue.chunks.shift();
    }
    if (queue.endWhenFlushed) to.end();
    return true;
  };

  /** Passes `chunk` from one side to the other, queueing what the socket does not take now. */
  const forward = (pair: Pair, toUpstream: boolean, chunk: Uint8Array) => {
    if (pair.closed) return;
    const to = toUpstream ? pair.upstream : pair.client;
    const queue = toUpstream ? pair.toUpstream : pair.toClient;
    let rest = chunk;
    if (to && queue.chunks.length === 0) {
      const written = to.write(chunk);
      if (written < 0) return close(pair);
      if (written === chunk.length) return;
      rest = chunk.subarray(written);
    }
    // A copy: the runtime may reuse the buffer it handed to the data callback.
    queue.chunks.push(new Uint8Array(rest));
    queue.bytes += rest.length;
    if (queue.bytes > HIGH_WATER) {
      const from = toUpstream ? pair.client : pair.upstream;
      from?.pause();
      if (toUpstream) pair.clientPaused = true;
      else pair.upstreamPaused = true;
    }
  };

  /** `to` can take more: write its queue, and let the other side read again once it is empty. */
  const drained = (pair: Pair, toUpstream: boolean) => {
    if (pair.closed) return;
    const to = toUpstream ? pair.upstream : pair.client;
    if (!to) return;
    const empty = flush(pair, to, toUpstream ? pair.toUpstream : pair.toClient);
    if (!empty || pair.closed) return;
    if (toUpstream && pair.clientPaused) {
      pair.clientPaused = false;
      pair.client.resume();
    }
    if (!toUpstream && pair.upstreamPaused) {
      pair.upstreamPaused = false;
      pair.upstream?.resume();
    }
  };

  /** One side sent FIN: end the other once what is queued for it is written. */
  const ended = (pair: Pair, toUpstream: boolean) => {
    if (pair.closed) return;
    const to = toUpstream ? pair.upstream : pair.client;
    const queue = toUpstream ? pair.toUpstream : pair.toClient;
    queue.endWhenFlushed = true;
    if (to && queue.chunks.length === 0) to.end();
  };

  const listener: TCPSocketListener<Pair> = Bun.listen<Pair>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        if (cut) {
          refused++;
          client.terminate();
          return;
        }
        accepted++;
        const pair: Pair = {
          client,
          upstream: undefined,
          toClient: newQueue(),
          toUpstream: newQueue(),
          closed: false,
          clientPaused: false,
          upstreamPaused: false,
        };
        client.data = pair;
        client.setNoDelay(true);
        pairs.add(pair);
        Bun.connect<Pair>({
          hostname: targetHost,
          port: targetPort,
          data: pair,
          socket: {
            open(upstream) {
              if (pair.closed) {
                upstream.terminate();
                return;
              }
              upstream.setNoDelay(true);
              pair.upstream = upstream;
              drained(pair, true);
            },
            data: (_upstream, chunk) => forward(pair, false, chunk),
            drain: () => drained(pair, true),
            end: () => ended(pair, false),
            close: () => close(pair),
            error: () => close(pair),
            connectError: () => close(pair),
          },
        }).catch(() => close(pair));
      },
      data: (client, chunk) => client.data && forward(client.data, true, chunk),
      drain: (client) => client.data && drained(client.data, false),
      end: (client) => client.data && ended(client.data, true),
      close: (client) => client.data && close(client.data),
      error: (client) => client.data && close(client.data),
    },
  });

  const port = listener.port;
  return {
    port,
    endpoint: `${options.scheme ?? "http"}://127.0.0.1:${port}`,
    get cuts() {
      return cuts;
    },
    get accepted() {
      return accepted;
    },
    get refused() {
      return refused;
    },
    get open() {
      return pairs.size;
    },
    get isCut() {
      return cut;
    },
    cut() {
      cut = true;
      cuts++;
      for (const pair of [...pairs]) close(pair);
    },
    restore() {
      cut = false;
    },
    stop() {
      cut = true;
      for (const pair of [...pairs]) close(pair);
      listener.stop(true);
    },
  };
}
