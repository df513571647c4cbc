// The one writer of haproxy.cfg and the files it carries (the default template's hosts.map), in
// confd's named steps: stage beside the destination, compare, check the staged set with
// `haproxy -c`, swap it in, and keep a last good copy to go back to.

import { copyFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { stagedPath, writeFileAtomic } from "../atomic-write.ts";
import { embeddedFiles } from "../render/embedded-files.ts";

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
  /** Whether the file holds exactly `text`, and the files beside it what `text` carries. */
  holds(text: string): boolean;
  /** Stages `text` and the files it carries, has HAProxy check them together, and swaps them in;
   * throws and leaves every file as it was when HAProxy refuses them. */
  replaceChecked(text: string): Promise<void>;
  /** Swaps `text` (and its files) in without a check: for what HAProxy already serves, or what
   * starting HAProxy will validate anyway. */
  replace(text: string): void;
  /** `haproxy -c` on the file as it is. */
  checkInPlace(): Promise<void>;
  /** Copies the file to the last good copy (which carries its files' text). */
  keepLastGood(): void;
  /** Whether there is a last good copy, and HAProxy accepts it with the files it carries. */
  checkLastGood(): Promise<boolean>;
  /** Puts the last good copy and its files back in place; returns whether there was one. */
  restoreLastGood(): boolean;
};

/** A file `text` carries, where it goes beside the config, and its staged copy. */
type CarriedFile = { path: string; staged: string; content: string };

/** The files `text` carries, placed beside `configPath`. */
function carriedFiles(configPath: string, text: string): CarriedFile[] {
  return embeddedFiles(text).map(({ name, content }) => {
    const path = join(dirname(configPath), name);
    return { path, staged: stagedPath(path), content };
  });
}

const readText = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : undefined);

/** Writes `text` and its files in place: the files first, so the config never names a missing
 * or older one. */
function writeSet(path: string, text: string): void {
  for (const file of carriedFiles(path, text)) {
    // Most writes change server lines only: a carried file already in place is left alone.
    if (readText(file.path) !== file.content) writeFileAtomic(file.path, file.content);
  }
  writeFileAtomic(path, text);
}

/**
 * Stages `text`'s files and has HAProxy check `text` with them: the copy checked names the
 * staged files where the config names the files in place, so the check reads the set that is to
 * be swapped in, and nothing in place changes. Throws as the check does; the staged files stay for
 * the caller to swap in or remove.
 */
async function checkWithFiles(
  check: ConfigFileOptions["check"],
  stagedConfig: string,
  text: string,
  files: CarriedFile[],
): Promise<void> {
  for (const file of files) writeFileSync(file.staged, file.content, { mode: 0o640 });
  if (files.length === 0) return check(stagedConfig);
  const copy = `${stagedConfig}.check`;
  const named = files.reduce((config, file) => config.split(file.path).join(file.staged), text);
  writeFileSync(copy, named, { mode: 0o640 });
  try {
    await check(copy);
  } finally {
    rmSync(copy, { force: true });
  }
}

const removeStaged = (files: CarriedFile[]) => {
  for (const file of files) rmSync(file.staged, { force: true });
};

export function createConfigFile(options: ConfigFileOptions): ConfigFile {
  const { path, check } = options;
  const staged = stagedPath(path);
  const lastGoodPath = `${path}.last-good`;
  const read = () => readText(path);

  return {
    path,
    lastGoodPath,
    read,
    holds: (text) =>
      read() === text &&
      carriedFiles(path, text).every((file) => readText(file.path) === file.content),
    async replaceChecked(text) {
      const files = carriedFiles(path, text);
      writeFileSync(staged, text, { mode: 0o640 });
      try {
        await checkWithFiles(check, staged, text, files);
        // The files first: HAProxy reads them only when it loads the config that names them.
        for (const file of files) renameSync(file.staged, file.path);
        renameSync(staged, path);
      } catch (error) {
        removeStaged(files);
        rmSync(staged, { force: true });
        throw error;
      }
    },
    replace: (text) => writeSet(path, text),
    checkInPlace: () => check(path),
    keepLastGood: () => copyFileSync(path, lastGoodPath),
    async checkLastGood() {
      const text = readText(lastGoodPath);
      if (text === undefined) return false;
      const files = carriedFiles(path, text);
      try {
        await checkWithFiles(check, lastGoodPath, text, files);
      } finally {
        removeStaged(files);
      }
      return true;
    },
    restoreLastGood() {
      const text = readText(lastGoodPath);
      if (text === undefined) return false;
      writeSet(path, text);
      return true;
    },
  };
}
