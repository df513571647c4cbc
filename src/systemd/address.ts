// The `sockaddr_un` that NOTIFY_SOCKET names, as bytes for sendto(2): an absolute path, or an
// abstract socket written `@name`. Pure: no I/O.

import { endianness } from "node:os";
import { SluiceError } from "../errors.ts";

/** AF_UNIX on Linux. */
export const AF_UNIX = 1;
/** `sizeof(struct sockaddr_un)` on Linux: a 2-byte family and 108 bytes of path. */
export const SOCKADDR_UN_SIZE = 110;
const PATH_OFFSET = 2;
const PATH_CAPACITY = SOCKADDR_UN_SIZE - PATH_OFFSET;

/** A socket address ready for sendto: `bytes` holds the struct, `length` is its socklen_t. */
export type NotifyAddress = { bytes: Uint8Array; length: number };

/**
 * The address of `socket` (NOTIFY_SOCKET's value). A path counts its closing NUL in the length,
 * as sd_notify does; an abstract name starts with a NUL instead of `@` and has no closing one.
 * Throws a `notify` SluiceError for anything else (a relative path, `vsock:`, too long).
 */
export function encodeNotifyAddress(socket: string): NotifyAddress {
  const abstract = socket.startsWith("@");
  if (!abstract && !socket.startsWith("/")) {
    throw new SluiceError(
      "notify",
      `NOTIFY_SOCKET=${JSON.stringify(socket)}: only an absolute path or an @abstract name is supported`,
    );
  }
  const name = new TextEncoder().encode(abstract ? socket.slice(1) : socket);
  // The path needs room for its NUL; the abstract name for its leading NUL.
  if (name.length + 1 > PATH_CAPACITY || name.length === 0) {
    throw new SluiceError(
      "notify",
      `NOTIFY_SOCKET=${JSON.stringify(socket)}: a unix socket name must be 1 to ${PATH_CAPACITY - 1} bytes`,
    );
  }
  const bytes = new Uint8Array(SOCKADDR_UN_SIZE);
  // sa_family_t is in the host's byte order.
  new DataView(bytes.buffer).setUint16(0, AF_UNIX, endianness() === "LE");
  bytes.set(name, abstract ? PATH_OFFSET + 1 : PATH_OFFSET);
  return { bytes, length: PATH_OFFSET + 1 + name.length };
}
