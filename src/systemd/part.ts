// systemd as one lifecycle part of the daemon: the notifier, the watchdog and the readiness
// sequence, and the supervisor wrapper that tells systemd when HAProxy serves and reloads.

import type { Supervisor } from "../haproxy/supervisor.ts";
import type { Part } from "../lifecycle.ts";
import type { Logger } from "../log.ts";
import { createNotifier, type Notifier } from "./notify.ts";
import { createReadiness, type Readiness, type ReadinessOptions } from "./readiness.ts";
import { type IntervalTimers, startWatchdog, watchdogSetting } from "./watchdog.ts";

export type SystemdPartOptions = {
  log: Logger;
  facts: ReadinessOptions["facts"];
  /** NOTIFY_SOCKET and WATCHDOG_*; default `process.env`. */
  environment?: Record<string, string | undefined>;
  pid?: number;
  notifier?: Notifier;
  intervals?: IntervalTimers;
};

export type SystemdPart = Part & {
  readiness: Readiness;
  /** `supervisor`, telling systemd when HAProxy first serves and around every reload. */
  watch(supervisor: Supervisor): Supervisor;
};

/** The part; started first (the watchdog runs from the start) and stopped last. */
export function createSystemdPart(options: SystemdPartOptions): SystemdPart {
  const environment = options.environment ?? process.env;
  const { log } = options;
  const notifier = options.notifier ?? createNotifier({ log, environment });
  const readiness = createReadiness({ notifier, facts: options.facts });
  let stopWatchdog: (() => void) | undefined;
  return {
    name: "systemd notifications",
    readiness,
    watch: (supervisor) => watchSupervisor(supervisor, readiness),
    start() {
      if (!notifier.enabled()) return;
      const watchdog = watchdogSetting(environment, options.pid ?? process.pid);
      if (watchdog.enabled) {
        log.info("systemd watchdog on", { ping_every_ms: watchdog.intervalMs });
        stopWatchdog = startWatchdog(
          () => notifier.send(["WATCHDOG=1"]),
          watchdog.intervalMs,
          options.intervals,
        );
      } else if (watchdog.reason) {
        log.warn("systemd watchdog off", { reason: watchdog.reason });
      }
      readiness.changed();
    },
    stop() {
      stopWatchdog?.();
      stopWatchdog = undefined;
      readiness.cancel();
      notifier.close();
    },
  };
}

/** HAProxy serving for the first time is READY=1; each reload is a reload window. */
function watchSupervisor(supervisor: Supervisor, readiness: Readiness): Supervisor {
  return {
    async start() {
      await supervisor.start();
      readiness.serving();
    },
    reload: () => readiness.reloading(() => supervisor.reload()),
    stop: () => supervisor.stop(),
    isStarted: () => supervisor.isStarted(),
    status: () => supervisor.status(),
  };
}
