// The daemon's signals: SIGTERM and SIGINT stop it, SIGHUP renders again. The handlers are in place
// before anything starts, so a signal during start-up (systemd may stop a unit right after READY=1)
// is neither lost nor fatal, as the default action would be.

import type { Part } from "./lifecycle.ts";
import type { Logger } from "./log.ts";

export type DaemonSignals = {
  /** Resolves with the first SIGTERM or SIGINT, whenever it arrived. */
  stopRequested: Promise<void>;
  /** The part that lets SIGHUP run `onHangup`: one that came during start-up runs when it starts. */
  hangupPart(onHangup: () => void): Part;
  /** Removes the handlers (after the daemon stopped). */
  dispose(): void;
};

/** Installs the handlers now. */
export function listenForSignals(log: Logger): DaemonSignals {
  let requestStop = () => {};
  const stopRequested = new Promise<void>((resolve) => {
    requestStop = resolve;
  });
  let stopping = false;
  const onStop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info("stopping", { signal });
    requestStop();
  };
  let hangup: (() => void) | undefined;
  let pendingHangup = false;
  const onHangup = () => {
    if (hangup) hangup();
    else if (!stopping) {
      pendingHangup = true;
      log.info("SIGHUP during start-up: rendering again once started");
    }
  };
  process.on("SIGTERM", onStop);
  process.on("SIGINT", onStop);
  process.on("SIGHUP", onHangup);
  return {
    stopRequested,
    hangupPart: (run) => ({
      name: "signals",
      start() {
        hangup = run;
        if (pendingHangup) run();
        pendingHangup = false;
      },
      stop() {
        // Still handled, and ignored: the default action of SIGHUP would end the shutdown.
        hangup = undefined;
      },
    }),
    dispose() {
      process.off("SIGTERM", onStop);
      process.off("SIGINT", onStop);
      process.off("SIGHUP", onHangup);
    },
  };
}
