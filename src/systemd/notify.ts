// sd_notify(3) without libsystemd: each notification is one datagram of `KEY=VALUE` lines to the
// socket NOTIFY_SOCKET names. Nothing here throws into the daemon: a failure is logged, throttled.

import { describeError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { createLogThrottle } from "../log-throttle.ts";
import { SYSTEMD } from "../tunables.ts";
import { encodeNotifyAddress, type NotifyAddress } from "./address.ts";
import { loadLibc, type NotifyLibc } from "./libc.ts";

export type Notifier = {
  /** Whether notifications go anywhere: NOTIFY_SOCKET is set and usable. */
  enabled(): boolean;
  /** Sends `lines` (`READY=1`, `STATUS=...`) as one datagram; returns whether it was sent. */
  send(lines: readonly string[]): boolean;
  /** CLOCK_MONOTONIC in µs as decimal text, for MONOTONIC_USEC; undefined when unavailable. */
  monotonicMicros(): string | undefined;
  /** Closes the socket; later sends open it again. */
  close(): void;
};

export type NotifierOptions = {
  log: Logger;
  /** Where NOTIFY_SOCKET is read; default `process.env`. */
  environment?: Record<string, string | undefined>;
  /** The libc calls, loaded at the first send; default bun:ffi (libc.ts). */
  libc?: () => NotifyLibc;
  now?: () => number;
};

/** A notifier for NOTIFY_SOCKET; without it, one that does nothing. */
export function createNotifier(options: NotifierOptions): Notifier {
  const socketName = (options.environment ?? process.env).NOTIFY_SOCKET;
  return socketName ? createSocketNotifier(socketName, options) : disabledNotifier;
}

/** Notifications to `socketName`; libc and the address are set up at the first use. */
function createSocketNotifier(socketName: string, options: NotifierOptions): Notifier {
  const { log } = options;
  const throttle = createLogThrottle({
    windowMs: SYSTEMD.failureLogEveryMs,
    perWindow: 1,
    now: options.now,
  });
  const encoder = new TextEncoder();
  let broken = false;
  let setup: { libc: NotifyLibc; address: NotifyAddress } | undefined;
  let socket: number | undefined;

  /** libc and the address, once; a failure here will not pass, so notifications stop. */
  function prepare(): { libc: NotifyLibc; address: NotifyAddress } | undefined {
    if (setup || broken) return setup;
    try {
      setup = { address: encodeNotifyAddress(socketName), libc: (options.libc ?? loadLibc)() };
    } catch (error) {
      broken = true;
      log.warn("systemd notifications are off", { error: describeError(error) });
    }
    return setup;
  }

  return {
    enabled: () => !broken,
    send(lines) {
      const ready = prepare();
      if (!ready) return false;
      // A newline inside a value would start a new assignment.
      const message = encoder.encode(lines.map((line) => line.replace(/[\r\n]+/g, " ")).join("\n"));
      try {
        socket ??= ready.libc.openSocket();
        ready.libc.sendTo(socket, message, ready.address);
        return true;
      } catch (error) {
        // systemd may be re-executing, or its queue full: later notifications try again.
        const admission = throttle.admit("send");
        if (admission.admitted) {
          log.warn("cannot notify systemd", {
            socket: socketName,
            error: describeError(error),
            suppressed: admission.suppressed || undefined,
          });
        }
        return false;
      }
    },
    monotonicMicros() {
      const ready = prepare();
      if (!ready) return undefined;
      try {
        return ready.libc.monotonicMicros().toString();
      } catch {
        return undefined;
      }
    },
    close() {
      if (socket !== undefined) setup?.libc.close(socket);
      socket = undefined;
    },
  };
}

const disabledNotifier: Notifier = {
  enabled: () => false,
  send: () => false,
  monotonicMicros: () => undefined,
  close() {},
};
