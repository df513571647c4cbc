// What each `[[template]]` resource last did, for /v1/status, /metrics and `serve --once`. Pure
// bookkeeping: the runner reports, this keeps the newest of each and counts renders.

import type { CommandResult } from "./shell-command.ts";

/** A check_cmd or reload_cmd run, as status shows it. */
export type CommandStatus = {
  command: string;
  ok: boolean;
  at: string;
  exit_code: number | null;
  timed_out: boolean;
  duration_ms: number;
};

/** One resource in `/v1/status`'s `templates`. */
export type TemplateStatus = {
  src: string;
  dest: string;
  /** etcd revision of the key set last rendered; null before the first apply. */
  revision: number | null;
  /** When dest was last replaced by sluice. */
  last_changed_at: string | null;
  /** Why the last apply of this resource failed (render, write, check or reload); null when it
   * succeeded. */
  last_error: string | null;
  last_check: CommandStatus | null;
  last_reload: CommandStatus | null;
  /** Applies by result: dest replaced, dest already right, failed. */
  renders: { changed: number; unchanged: number; failed: number };
};

export type ResourceRecord = {
  rendered(dest: string, revision: number, changed: boolean): void;
  failed(dest: string, revision: number, error: string): void;
  checked(dest: string, command: string, result: CommandResult): void;
  reloaded(dest: string, command: string, result: CommandResult, error?: string): void;
  view(): TemplateStatus[];
};

export function createResourceRecord(
  resources: readonly { src: string; dest: string }[],
  now: () => number = Date.now,
): ResourceRecord {
  const byDest = new Map<string, TemplateStatus>(
    resources.map(({ src, dest }) => [
      dest,
      {
        ...{ src, dest, revision: null, last_changed_at: null, last_error: null },
        ...{ last_check: null, last_reload: null },
        renders: { changed: 0, unchanged: 0, failed: 0 },
      },
    ]),
  );
  const entry = (dest: string) => byDest.get(dest)!;
  const at = () => new Date(now()).toISOString();
  const asStatus = (command: string, result: CommandResult): CommandStatus => ({
    ...{ command, ok: result.ok, at: at(), exit_code: result.exitCode },
    ...{ timed_out: result.timedOut, duration_ms: result.durationMs },
  });
  return {
    rendered(dest, revision, changed) {
      const status = entry(dest);
      status.revision = revision;
      status.last_error = null;
      if (changed) status.last_changed_at = at();
      status.renders[changed ? "changed" : "unchanged"]++;
    },
    failed(dest, revision, error) {
      const status = entry(dest);
      status.revision = revision;
      status.last_error = error;
      status.renders.failed++;
    },
    checked(dest, command, result) {
      entry(dest).last_check = asStatus(command, result);
    },
    reloaded(dest, command, result, error) {
      const status = entry(dest);
      status.last_reload = asStatus(command, result);
      if (error !== undefined) status.last_error = error;
    },
    view: () =>
      [...byDest.values()].map((status) => ({ ...status, renders: { ...status.renders } })),
  };
}
