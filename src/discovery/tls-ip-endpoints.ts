// A patch of Bun's tls.connect so that etcd endpoints given as IP addresses can use TLS.

import { isIP } from "node:net";
import tls from "node:tls";

let servernamePatched = false;

/**
 * Bun's tls.connect refuses an IP address as `servername` (Node.js only warns), and grpc-js
 * always passes the endpoint's host there, so `https://127.0.0.1:2379` could not connect. SNI
 * never carries an IP (RFC 6066, section 3), so it is dropped; the certificate is still verified
 * against the host.
 */
export function allowIpEndpoints(): void {
  if (servernamePatched) return;
  servernamePatched = true;
  const connect = tls.connect;
  const patched = (...args: unknown[]) => {
    const options = args[0];
    if (options && typeof options === "object" && "servername" in options) {
      const { servername, ...rest } = options as { servername?: unknown };
      if (typeof servername === "string" && isIP(servername)) args[0] = rest;
    }
    return (connect as (...a: unknown[]) => tls.TLSSocket)(...args);
  };
  (tls as { connect: unknown }).connect = patched;
}
