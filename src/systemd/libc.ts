// The libc calls sd_notify needs, through bun:ffi (no native addon): a datagram socket, sendto,
// close, and CLOCK_MONOTONIC. The only module that imports bun:ffi; failures become SluiceErrors.

import { dlopen, FFIType, ptr, read } from "bun:ffi";
import { describeError, SluiceError } from "../errors.ts";
import { AF_UNIX, type NotifyAddress } from "./address.ts";

const SOCK_DGRAM = 2;
/** So HAProxy, spawned later, never inherits the socket. */
const SOCK_CLOEXEC = 0o2000000;
/** A full receive queue fails the send (EAGAIN) instead of blocking the event loop. */
const MSG_DONTWAIT = 0x40;
const MSG_NOSIGNAL = 0x4000;
const CLOCK_MONOTONIC = 1;

/** The datagram socket and clock the notifier uses; tests pass a fake. */
export interface NotifyLibc {
  /** Opens an AF_UNIX datagram socket; returns its descriptor. Throws a `notify` SluiceError. */
  openSocket(): number;
  /** Sends `message` to `address` without blocking. Throws a `notify` SluiceError. */
  sendTo(socket: number, message: Uint8Array, address: NotifyAddress): void;
  close(socket: number): void;
  /** CLOCK_MONOTONIC in microseconds: what systemd compares MONOTONIC_USEC with. */
  monotonicMicros(): bigint;
}

function loadSymbols() {
  return dlopen("libc.so.6", {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    sendto: {
      args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32, FFIType.ptr, FFIType.u32],
      returns: FFIType.i64,
    },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
    clock_gettime: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
    strerror: { args: [FFIType.i32], returns: FFIType.cstring },
  }).symbols;
}

/** glibc's libc through bun:ffi. Throws a `notify` SluiceError when it cannot be loaded. */
export function loadLibc(): NotifyLibc {
  let symbols: ReturnType<typeof loadSymbols>;
  try {
    symbols = loadSymbols();
  } catch (error) {
    // Without it a Type=notify unit never sees READY=1 and times out: say the likely cause.
    throw new SluiceError(
      "notify",
      `cannot load libc.so.6 for sd_notify: ${describeError(error)} ` +
        "(bun:ffi needs the JIT: MemoryDenyWriteExecute= must be off)",
      { cause: error },
    );
  }
  /** errno of the call just made, as text; read at once, before anything else can change it. */
  const lastError = (call: string) => {
    const errno = read.i32(symbols.__errno_location()!, 0);
    return new SluiceError(
      "notify",
      `${call}: ${String(symbols.strerror(errno))} (errno ${errno})`,
    );
  };
  const timespec = new BigInt64Array(2);
  return {
    openSocket() {
      const socket = symbols.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      if (socket < 0) throw lastError("socket(AF_UNIX, SOCK_DGRAM)");
      return socket;
    },
    sendTo(socket, message, address) {
      const flags = MSG_DONTWAIT | MSG_NOSIGNAL;
      const sent = symbols.sendto(
        socket,
        ptr(message),
        message.length,
        flags,
        ptr(address.bytes),
        address.length,
      );
      if (Number(sent) < 0) throw lastError("sendto");
    },
    close(socket) {
      symbols.close(socket);
    },
    monotonicMicros() {
      if (symbols.clock_gettime(CLOCK_MONOTONIC, ptr(timespec)) !== 0) {
        throw lastError("clock_gettime(CLOCK_MONOTONIC)");
      }
      return timespec[0]! * 1_000_000n + timespec[1]! / 1000n;
    },
  };
}
