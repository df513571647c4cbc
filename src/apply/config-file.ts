// The one writer of haproxy.cfg, in confd's named steps: stage beside the destination, compare,
// check the staged file with `haproxy -c`, swap it in, and keep a last good copy to go back to.

import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { stagedPath, writeFileAtomic } from "../atomic-write.ts";

export type ConfigFileOptions = {
  /** Destination haproxy.cfg. */
  path: string;
  /** `haproxy -c` on a file; throws when HAProxy refuses it. */
  check: (file: string) => Promise<void>;
};

export type ConfigFile = {
  path: string;
  lastGoodPath: string;
  /** The file's text, or undefined when there is none yet. */
  read(): string | undefined;
  /** Whether the file holds exactly `text`. */
  holds(text: string): boolean;
  /** Stages `text`, has HAProxy check it, and swaps it in; throws and leaves the file as it was
   * when HAProxy refuses it. */
  replaceChecked(text: string): Promise<void>;
  /** Swaps `text` in without a check: for what HAProxy already serves, or what starting HAProxy
   * will validate anyway. */
  replace(text: string): void;
  /** `haproxy -c` on the file as it is. */
  checkInPlace(): Promise<void>;
  /** Copies the file to the last good copy. */
  keepLastGood(): void;
  /** Whether there is a last good copy, and HAProxy accepts it. */
  checkLastGood(): Promise<boolean>;
  /** Puts the last good copy back in place; returns whether there was one. */
  restoreLastGood(): boolean;
};

export function createConfigFile(options: ConfigFileOptions): ConfigFile {
  const { path, check } = options;
  const staged = stagedPath(path);
  const lastGoodPath = `${path}.last-good`;
  const read = () => (existsSync(path) ? readFileSync(path, "utf8") : undefined);

  return {
    path,
    lastGoodPath,
    read,
    holds: (text) => read() === text,
    async replaceChecked(text) {
      writeFileSync(staged, text, { mode: 0o640 });
      try {
        await check(staged);
        renameSync(staged, path);
      } catch (error) {
        rmSync(staged, { force: true });
        throw error;
      }
    },
    replace: (text) => writeFileAtomic(path, text),
    checkInPlace: () => check(path),
    keepLastGood: () => copyFileSync(path, lastGoodPath),
    async checkLastGood() {
      if (!existsSync(lastGoodPath)) return false;
      await check(lastGoodPath);
      return true;
    },
    restoreLastGood() {
      if (!existsSync(lastGoodPath)) return false;
      writeFileAtomic(path, readFileSync(lastGoodPath, "utf8"));
      return true;
    },
  };
}
