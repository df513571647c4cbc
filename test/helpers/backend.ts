// Test HTTP backends on loopback that answer with their own name and set a session cookie.

export type TestBackend = {
  name: string;
  port: number;
  address: string;
  hits: number;
  stop(): void;
};

export function startBackend(name: string): TestBackend {
  const backend: TestBackend = {
    name,
    port: 0,
    address: "",
    hits: 0,
    stop: () => server.stop(true),
  };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch() {
      backend.hits++;
      // Like an application server: it sets a session cookie, which HAProxy prefixes.
      return new Response(name, {
        headers: { "x-backend": name, "set-cookie": `JSESSIONID=${name}-session; Path=/` },
      });
    },
  });
  backend.port = server.port ?? 0;
  backend.address = `127.0.0.1:${backend.port}`;
  return backend;
}

/** Backends started by name through `start`, all stopped by `stopAll` (for afterAll). */
export function createBackendPool(): {
  start(name: string): TestBackend;
  all(): TestBackend[];
  stopAll(): void;
} {
  const started: TestBackend[] = [];
  return {
    start(name) {
      const backend = startBackend(name);
      started.push(backend);
      return backend;
    },
    all: () => [...started],
    stopAll: () => {
      for (const backend of started.splice(0)) backend.stop();
    },
  };
}
