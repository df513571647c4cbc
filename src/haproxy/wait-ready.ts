// Waiting for a freshly spawned HAProxy to serve, in bounded time.

import { ApplyError } from "../errors.ts";
import { SUPERVISOR } from "../tunables.ts";
import type { Clock } from "./clock.ts";
import { type ChildProcess, hasEnded } from "./process-runner.ts";
import type { ReloadStrategy } from "./reload-strategy.ts";

/**
 * Resolves once `child` serves (as `strategy` judges it), polling every `SUPERVISOR.startPollMs`;
 * throws ApplyError when it exits first or is not ready within `SUPERVISOR.readyTimeoutMs`.
 */
export async function waitReady(
  child: ChildProcess,
  strategy: ReloadStrategy,
  clock: Clock,
): Promise<void> {
  const deadline = clock.now() + SUPERVISOR.readyTimeoutMs;
  while (clock.now() < deadline) {
    if (hasEnded(child)) {
      throw new ApplyError(
        `haproxy exited during start-up (code ${child.exitCode ?? child.signalCode})`,
      );
    }
    try {
      if (await strategy.isReady(child)) return;
    } catch {
      // Not listening yet.
    }
    await clock.sleep(SUPERVISOR.startPollMs);
  }
  throw new ApplyError(`haproxy did not become ready within ${SUPERVISOR.readyTimeoutMs}ms`);
}
