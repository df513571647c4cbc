// A stand-in for systemd's notification socket: a unix datagram socket bound with bun:ffi and read
// without blocking, keeping every message with the time it arrived.

import { dlopen, FFIType, ptr } from "bun:ffi";
import { chmodSync, chownSync, readFileSync, rmSync } from "node:fs";
import { encodeNotifyAddress } from "../../src/systemd/address.ts";
import { waitFor as waitUntil } from "./ports.ts";

const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;

const libc = dlopen("libc.so.6", {
  socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  recv: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i64 },
  close: { args: [FFIType.i32], returns: FFIType.i32 },
}).symbols;

/** One datagram: its text and when it arrived (Date.now()). */
export type NotifyMessage = { text: string; at: number };

export type TestNotifySocket = {
  /** What NOTIFY_SOCKET is set to: the path, or `@name`. */
  name: string;
  /** Every message so far, oldest first. */
  messages(): NotifyMessage[];
  /** Messages with the line `line` (e.g. `READY=1`). */
  withLine(line: string): NotifyMessage[];
  /** Resolves with the first message from index `from` on that `match` accepts. */
  waitFor(
    what: string,
    match: (message: NotifyMessage) => boolean,
    timeoutMs?: number,
    from?: number,
  ): Promise<NotifyMessage>;
  /** Resolves with the first message from index `from` on that has the line `line`. */
  waitForLine(line: string, timeoutMs?: number, from?: number): Promise<NotifyMessage>;
  close(): void;
};

export type NotifySocketOptions = {
  /** Owner of a path socket, so an unprivileged sender may write to it. */
  owner?: { uid: number; gid: number };
};

/** Binds `name` (an absolute path or `@abstract`) and reads it every 5 ms. */
export function bindNotifySocket(
  name: string,
  options: NotifySocketOptions = {},
): TestNotifySocket {
  const address = encodeNotifyAddress(name);
  const socket = libc.socket(1, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (socket < 0) throw new Error("socket(AF_UNIX, SOCK_DGRAM) failed");
  const path = name.startsWith("@") ? undefined : name;
  if (path) rmSync(path, { force: true });
  if (libc.bind(socket, ptr(address.bytes), address.length) !== 0) {
    libc.close(socket);
    throw new Error(`cannot bind ${name}`);
  }
  if (path) {
    chmodSync(path, 0o660);
    if (options.owner) chownSync(path, options.owner.uid, options.owner.gid);
  }
  const received: NotifyMessage[] = [];
  const buffer = new Uint8Array(65536);
  const drain = () => {
    for (;;) {
      const length = Number(libc.recv(socket, ptr(buffer), buffer.length, 0));
      if (length < 0) return;
      received.push({ text: new TextDecoder().decode(buffer.subarray(0, length)), at: Date.now() });
    }
  };
  const timer = setInterval(drain, 5);
  const withLine = (line: string) => received.filter((message) => hasLine(message, line));
  const waitFor = (
    what: string,
    match: (message: NotifyMessage) => boolean,
    timeoutMs = 10_000,
    from = 0,
  ) =>
    waitUntil(
      `${what} on ${name}`,
      () => {
        drain();
        return received.slice(from).find(match);
      },
      timeoutMs,
    );
  return {
    name,
    messages() {
      drain();
      return [...received];
    },
    withLine(line) {
      drain();
      return withLine(line);
    },
    waitFor,
    waitForLine: (line, timeoutMs, from) =>
      waitFor(line, (message) => hasLine(message, line), timeoutMs, from),
    close() {
      clearInterval(timer);
      libc.close(socket);
      if (path) rmSync(path, { force: true });
    },
  };
}

/** Whether `message` has the line `line` (`READY=1`). */
export function hasLine(message: NotifyMessage, line: string): boolean {
  return message.text.split("\n").includes(line);
}

/**
 * The kernel's CLOCK_MONOTONIC in µs, read from /proc/timer_list ("now at N nsecs" is
 * ktime_get()); what systemd takes as reload_begin_usec. Needs root; undefined otherwise.
 */
export function kernelMonotonicMicros(): bigint | undefined {
  try {
    const match = /now at (\d+) nsecs/.exec(readFileSync("/proc/timer_list", "utf8"));
    return match ? BigInt(match[1]!) / 1000n : undefined;
  } catch {
    return undefined;
  }
}

/** The value of `key` in a notification (`STATUS`, `MONOTONIC_USEC`), if it has one. */
export function notifyField(message: NotifyMessage, key: string): string | undefined {
  const line = message.text.split("\n").find((candidate) => candidate.startsWith(`${key}=`));
  return line?.slice(key.length + 1);
}
