// Makes a configuration the one HAProxy serves: written through the config file's checked steps,
// then a reload (or the first start), and the last good copy put back when that fails.

import { ApplyError, describeError } from "../errors.ts";
import type { Supervisor } from "../haproxy/supervisor.ts";
import type { ConfigFile } from "./config-file.ts";

export type ApplierOptions = {
  file: ConfigFile;
  supervisor: Supervisor;
  /** Hears how long each reload of a running HAProxy took, ms (failed ones included). */
  onReloaded?: (ms: number) => void;
  /** Hears each rollback: a failed reload or start that put the last good config back. */
  onRolledBack?: () => void;
};

/** What applying a whole configuration did. */
export type ConfigOutcome = "unchanged" | "started" | "reloaded";

export type Applier = {
  /**
   * Makes `text` the served configuration, or throws and leaves the previous one serving.
   * An unchanged text is skipped unless `force` is set.
   */
  apply(text: string, force?: boolean): Promise<ConfigOutcome>;
  /** Starts HAProxy on the last good config, when there is one. Returns whether it did. */
  startFromLastGood(): Promise<boolean>;
};

export function createApplier(options: ApplierOptions): Applier {
  const { file, supervisor } = options;

  return {
    async apply(text, force = false) {
      const running = supervisor.isStarted();
      if (running && !force && file.holds(text)) return "unchanged";
      // With HAProxy running, `haproxy -c` guards the serving process. Without one, starting it
      // validates the file just the same, and a separate check would double the cold start.
      if (running) await file.replaceChecked(text);
      else file.replace(text);
      const startedAt = performance.now();
      try {
        if (running) await supervisor.reload();
        else await supervisor.start();
        if (running) options.onReloaded?.(performance.now() - startedAt);
      } catch (error) {
        if (running) options.onReloaded?.(performance.now() - startedAt);
        // A start that failed on the config is best explained by `haproxy -c`'s alerts.
        const reason = running ? error : await explainFailedStart(file, error);
        file.restoreLastGood();
        options.onRolledBack?.();
        throw new ApplyError(`${running ? "reload" : "start"} failed: ${describeError(reason)}`, {
          cause: error,
        });
      }
      file.keepLastGood();
      return running ? "reloaded" : "started";
    },

    async startFromLastGood() {
      if (!(await file.checkLastGood())) return false;
      file.restoreLastGood();
      await supervisor.start();
      return true;
    },
  };
}

/** `haproxy -c`'s complaint about the file a start failed on, or the start's own error. */
async function explainFailedStart(file: ConfigFile, error: unknown): Promise<unknown> {
  return file.checkInPlace().then(
    () => error,
    (checked) => checked,
  );
}
