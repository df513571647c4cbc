// Applies every `[[template]]` resource from one key snapshot: render, write (write-file.ts),
// then each distinct reload_cmd of the changed files once, after all files are written. Also
// what the next apply would change (`plan`), without writing.

import { existsSync, readFileSync } from "node:fs";
import type { TemplateResource } from "../config/schema.ts";
import { describeError, RenderError } from "../errors.ts";
import { unifiedDiff } from "../line-diff.ts";
import type { Logger } from "../log.ts";
import type { KeyValue } from "../model/types.ts";
import type { Renderer } from "../render/render.ts";
import { resourceEntries } from "./key-view.ts";
import { createResourceRecord, type ResourceRecord, type TemplateStatus } from "./record.ts";
import { type CommandRunner, describeFailure, runShellCommand } from "./shell-command.ts";
import { CheckFailed, writeResourceFile } from "./write-file.ts";

/** The renderer's part the resources use (Contract 3). */
export type KeyRenderer = Pick<Renderer, "renderKeysSettled">;

export type ResourceRunnerOptions = {
  resources: readonly TemplateResource[];
  renderer: KeyRenderer;
  log: Logger;
  /** Runs check_cmd and reload_cmd; default `/bin/sh -c`. */
  run?: CommandRunner;
  /** Publishes an event (the daemon's bus); none when omitted. */
  publish?: (type: string, data: Record<string, unknown>) => void;
  now?: () => number;
};

/** What one apply did to one resource; `error` when its render, write, check or reload failed. */
export type ResourceResult = { src: string; dest: string; changed: boolean; error?: string };

/** One apply of every resource. `ok` when none failed. */
export type ResourcesApplied = { revision: number; ok: boolean; results: ResourceResult[] };

/** What the next apply would do to one resource. */
export type ResourcePlan = {
  src: string;
  dest: string;
  changed: boolean;
  /** Unified diff from dest as it is to the next render; "" when unchanged. */
  diff: string;
  error?: string;
};

export type ResourceRunner = {
  apply(kvs: readonly KeyValue[], revision: number): Promise<ResourcesApplied>;
  plan(kvs: readonly KeyValue[]): Promise<ResourcePlan[]>;
  status(): TemplateStatus[];
};

/** Renders `resource` from `kvs`; throws RenderError naming the template. */
async function renderResource(
  resource: TemplateResource,
  kvs: readonly KeyValue[],
  renderer: KeyRenderer,
): Promise<string> {
  let source: string;
  try {
    source = readFileSync(resource.src, "utf8");
  } catch (error) {
    throw new RenderError(`${resource.src}: cannot read template: ${describeError(error)}`, {
      cause: error,
    });
  }
  return renderer.renderKeysSettled(source, resource.src, resourceEntries(resource, kvs));
}

export function createResourceRunner(options: ResourceRunnerOptions): ResourceRunner {
  const { resources, renderer, log } = options;
  const run = options.run ?? runShellCommand;
  const publish = options.publish ?? (() => {});
  const record = createResourceRecord(resources, options.now);
  const fail = (result: ResourceResult, revision: number, error: string) => {
    result.error = error;
    record.failed(result.dest, revision, error);
    log.warn("template failed", { dest: result.dest, src: result.src, error });
    publish("template_failed", { dest: result.dest, src: result.src, error });
  };

  async function applyOne(resource: TemplateResource, kvs: readonly KeyValue[], revision: number) {
    const result: ResourceResult = { src: resource.src, dest: resource.dest, changed: false };
    try {
      const text = await renderResource(resource, kvs, renderer);
      const written = await writeResourceFile(resource, text, run);
      if (written.check) record.checked(resource.dest, resource.checkCmd, written.check);
      result.changed = written.changed;
      record.rendered(resource.dest, revision, written.changed);
      if (written.changed) {
        log.info("template written", { dest: resource.dest, revision });
        publish("template_written", { dest: resource.dest, src: resource.src, revision });
      }
    } catch (error) {
      if (error instanceof CheckFailed)
        record.checked(resource.dest, resource.checkCmd, error.result);
      fail(result, revision, describeError(error));
    }
    return result;
  }

  return {
    async apply(kvs, revision) {
      const results: ResourceResult[] = [];
      for (const resource of resources) results.push(await applyOne(resource, kvs, revision));
      await runReloads(resources, results, { run, record, log, publish });
      return { revision, ok: results.every((result) => !result.error), results };
    },
    plan: (kvs) => Promise.all(resources.map((resource) => planOne(resource, kvs, renderer))),
    status: () => record.view(),
  };
}

/** What the next apply would do to `resource`; a render failure is reported, not thrown. */
async function planOne(
  resource: TemplateResource,
  kvs: readonly KeyValue[],
  renderer: KeyRenderer,
): Promise<ResourcePlan> {
  const base = { src: resource.src, dest: resource.dest };
  try {
    const next = await renderResource(resource, kvs, renderer);
    const current = existsSync(resource.dest) ? readFileSync(resource.dest, "utf8") : "";
    const changed = !existsSync(resource.dest) || current !== next;
    const names = { fromName: resource.dest, toName: `${resource.dest} (next apply)` };
    return { ...base, changed, diff: changed ? unifiedDiff(current, next, names) : "" };
  } catch (error) {
    return { ...base, changed: false, diff: "", error: describeError(error) };
  }
}

type ReloadContext = {
  run: CommandRunner;
  record: ResourceRecord;
  log: Logger;
  publish: (type: string, data: Record<string, unknown>) => void;
};

/** Runs each distinct reload_cmd of the changed resources once, in the order of the resources,
 * with the timeout of the first resource that names it. A failure is recorded for every resource
 * that shares the command; it never throws. */
async function runReloads(
  resources: readonly TemplateResource[],
  results: ResourceResult[],
  context: ReloadContext,
): Promise<void> {
  const commands = new Map<string, { timeoutMs: number; shared: ResourceResult[] }>();
  resources.forEach((resource, index) => {
    const result = results[index]!;
    if (!result.changed || resource.reloadCmd === "") return;
    const entry = commands.get(resource.reloadCmd);
    if (entry) entry.shared.push(result);
    else
      commands.set(resource.reloadCmd, { timeoutMs: resource.reloadTimeoutMs, shared: [result] });
  });
  for (const [command, { timeoutMs, shared }] of commands) {
    const outcome = await context.run(command, timeoutMs);
    const dests = shared.map((result) => result.dest);
    const error = outcome.ok ? undefined : describeFailure("reload_cmd", command, outcome);
    for (const result of shared) {
      context.record.reloaded(result.dest, command, outcome, error);
      if (error) result.error = error;
    }
    if (error) {
      context.log.warn("template reload failed", { dests: dests.join(","), error });
      context.publish("template_reload_failed", { dests, command, error });
    } else context.log.info("template reloaded", { dests: dests.join(","), command });
  }
}
