// The write path for haproxy.cfg: stage beside the destination, check, swap, reload, keep last good.

import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { ApplyError, describeError } from "./errors.ts";
import type { Supervisor } from "./haproxy/supervisor.ts";

export type ApplierOptions = {
  /** Destination haproxy.cfg. */
  config: string;
  /** `haproxy -c` on a file; throws when HAProxy refuses it. */
  check: (file: string) => Promise<void>;
  supervisor: Supervisor;
};

export type ApplyOutcome = "unchanged" | "started" | "reloaded";

export type Applier = {
  /**
   * Makes `text` the served configuration, or throws and leaves the previous one serving.
   * An unchanged text is skipped unless `force` is set.
   */
  apply(text: string, force?: boolean): Promise<ApplyOutcome>;
  /** Starts HAProxy on the last good config, when there is one. Returns whether it did. */
  startFromLastGood(): Promise<boolean>;
  /** Path of the last good copy. */
  lastGoodPath: string;
};

/** The staged and last-good files sit next to `config`, so the rename is atomic. */
export function createApplier(options: ApplierOptions): Applier {
  const { config, check, supervisor } = options;
  const staged = `${config}.staged`;
  const lastGood = `${config}.last-good`;

  function restoreLastGood(): void {
    if (existsSync(lastGood)) {
      copyFileSync(lastGood, staged);
      renameSync(staged, config);
    }
  }

  return {
    lastGoodPath: lastGood,

    async apply(text, force = false) {
      const running = supervisor.isStarted();
      const same = running && existsSync(config) && readFileSync(config, "utf8") === text;
      if (same && !force) return "unchanged";
      writeFileSync(staged, text, { mode: 0o640 });
      // With HAProxy running, `haproxy -c` guards the serving process. Without one, starting it
      // validates the file just the same, and a separate check would double the cold start.
      if (running) {
        try {
          await check(staged);
        } catch (error) {
          rmSync(staged, { force: true });
          throw error;
        }
      }
      renameSync(staged, config);
      try {
        if (running) await supervisor.reload();
        else await supervisor.start();
      } catch (error) {
        // A start that failed on the config is best explained by `haproxy -c`'s alerts.
        const reason = running
          ? error
          : await check(config).then(
              () => error,
              (checked) => checked,
            );
        restoreLastGood();
        throw new ApplyError(`${running ? "reload" : "start"} failed: ${describeError(reason)}`, {
          cause: error,
        });
      }
      copyFileSync(config, lastGood);
      return running ? "reloaded" : "started";
    },

    async startFromLastGood() {
      if (!existsSync(lastGood)) return false;
      await check(lastGood);
      copyFileSync(lastGood, staged);
      renameSync(staged, config);
      await supervisor.start();
      return true;
    },
  };
}
