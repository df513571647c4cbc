// A tiny HTTP backend for `make demo`: every request is answered with the server's name, address
// and the request path, plus an `X-Backend: <name>` header. Listens on loopback only.
// Usage: bun packaging/demo-backend.ts <port> <name>

const [portText = "", name = ""] = process.argv.slice(2);
const port = Number(portText);
if (name === "" || !Number.isInteger(port) || port < 1 || port > 65535) {
  console.error("usage: bun packaging/demo-backend.ts <port> <name>");
  process.exit(2);
}

Bun.serve({
  hostname: "127.0.0.1",
  port,
  fetch(request) {
    const url = new URL(request.url);
    const body = `hello from ${name} (127.0.0.1:${port}) path=${url.pathname}${url.search}\n`;
    return new Response(body, {
      headers: { "Content-Type": "text/plain; charset=utf-8", "X-Backend": name },
    });
  },
});
console.log(`${name} listening on 127.0.0.1:${port}`);
