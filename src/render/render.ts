// Renders haproxy.cfg from a Liquid template; the only module that imports liquidjs.

import { Liquid, type Template } from "liquidjs";
import { HAPROXY_FIELDS } from "../config/defaults.ts";
import { parseDuration } from "../duration.ts";
import { RenderError } from "../errors.ts";
import { freshLayout, type Layout, type LayoutOptions, laidOutServices } from "../model/layout.ts";
import type { Model } from "../model/types.ts";
import {
  DEFAULT_HEALTH_SETTINGS,
  type HealthSettings,
  templateHealth,
  templateServiceCheck,
} from "./health-settings.ts";
import { createLookups, type Lookups, type TemplateEntry } from "./lookups.ts";

/** Spares used when no layout is given (offline rendering). */
export const DEFAULT_LAYOUT: LayoutOptions = { minSpares: 8, spareRatio: 0.25, maxSpares: 1024 };

/** The bounds of one render, so a looping or huge template cannot stall the daemon. */
export type RenderLimits = {
  /** Longest a render may run, ms (`haproxy.render_timeout`). */
  timeoutMs: number;
  /** Most a render may allocate, in liquidjs's units: characters of strings and elements of
   * arrays that ranges and filters build (`haproxy.render_memory_limit`). */
  memory: number;
  /** Longest template, in characters (`haproxy.template_size_limit`). */
  templateSize: number;
};

/** The limits of the defaults table, for renderers made without a config (tests, offline). */
export const DEFAULT_RENDER_LIMITS: RenderLimits = {
  timeoutMs: parseDuration(HAPROXY_FIELDS.render_timeout.default)!,
  memory: HAPROXY_FIELDS.render_memory_limit.default,
  templateSize: HAPROXY_FIELDS.template_size_limit.default,
};

/** What a template sees besides `services` and the lookups. */
export type RenderSettings = {
  /** Shown in the header of the rendered file. */
  template: string;
  haproxy: Record<string, string | number>;
  defaultService: string;
  /** `[health]` and the services' check overrides; the defaults table's when omitted. */
  health?: HealthSettings;
  /** Raw key/values the lookups also see (`haproxy.trusted_prefixes`). */
  rawEntries?: TemplateEntry[];
};

export type Renderer = {
  /**
   * Renders `source` (named `name` in errors) for `model`, with its servers placed in the slots
   * of `layout` (a fresh layout when omitted). Throws RenderError.
   */
  render(
    source: string,
    name: string,
    model: Model,
    settings: RenderSettings,
    layout?: Layout,
  ): string;
  /** Renders `source` with only the lookups over `entries` (a `[[template]]` resource). */
  renderKeys(
    source: string,
    name: string,
    entries: TemplateEntry[],
    variables?: Record<string, unknown>,
  ): string;
  /** `renderKeys`, for callers that await (DNS answers are settled between passes). */
  renderKeysSettled(
    source: string,
    name: string,
    entries: TemplateEntry[],
    variables?: Record<string, unknown>,
  ): Promise<string>;
};

/** The servers of a model as confd-style entries: accepted keys, value as `name host:port`. */
export function entriesOf(model: Model): TemplateEntry[] {
  return model.services.flatMap((service) =>
    service.servers.map((server) => ({
      key: server.key,
      value: `${server.name} ${server.address}`,
    })),
  );
}

const FILTERED_FOR =
  /\{%(-?)\s*for\s+(\w+)\s+in\s+((?:[^%]|%(?!\}))*?\|(?:[^%]|%(?!\}))*?)\s*(-?)%\}/g;

/**
 * liquidjs ignores filters in a `for` tag's collection, so the confd-style
 * `{% for v in "/apps/web/*" | getvs %}` would loop over the pattern string. Rewrite such tags
 * into an `assign` of the filtered value followed by a plain `for`.
 */
export function expandFilteredFor(source: string): string {
  let counter = 0;
  return source.replace(
    FILTERED_FOR,
    (_tag, open: string, variable: string, expression: string, close: string) => {
      const name = `sluice_for_${counter++}`;
      return `{%${open} assign ${name} = ${expression} -%}{% for ${variable} in ${name} ${close}%}`;
    },
  );
}

/** The liquidjs message of each limit (its `Limiter` names the resource), and the field that
 * sets it: liquidjs gives its limit errors no class of their own. */
const LIMIT_MESSAGES: [string, (limits: RenderLimits) => string][] = [
  [
    "template render limit exceeded",
    (limits) => `render took longer than haproxy.render_timeout (${limits.timeoutMs}ms)`,
  ],
  [
    "memory alloc limit exceeded",
    (limits) => `render needed more than haproxy.render_memory_limit (${limits.memory})`,
  ],
  [
    "parse length limit exceeded",
    (limits) => `template is longer than haproxy.template_size_limit (${limits.templateSize})`,
  ],
];

/** One line for a render failure: a limit by the field that sets it, else liquidjs's message. */
function describeRenderFailure(error: unknown, limits: RenderLimits): string {
  const message = error instanceof Error ? error.message.split("\n")[0]! : String(error);
  const limit = LIMIT_MESSAGES.find(([text]) => message.includes(text));
  return limit ? limit[1](limits) : message;
}

/** A renderer with a parse cache keyed by template source; every render is bounded by `limits`. */
export function createRenderer(limits: RenderLimits = DEFAULT_RENDER_LIMITS): Renderer {
  const engine = new Liquid({
    strictFilters: true,
    ownPropertyOnly: true,
    cache: false,
    renderLimit: limits.timeoutMs,
    memoryLimit: limits.memory,
    // The rewrite of filtered `for` tags lengthens a template a little; the size users set is
    // checked on the source as written, below.
    parseLimit: limits.templateSize * 2,
  });
  // Filters run synchronously inside renderSync, so one current set of lookups is enough.
  let lookups: Lookups = createLookups([]);
  engine.registerFilter("getv", (key: string, fallback?: string) => lookups.getv(key, fallback));
  engine.registerFilter("getvs", (pattern: string) => lookups.getvs(pattern));
  engine.registerFilter("gets", (pattern: string) => lookups.gets(pattern));
  engine.registerFilter("ls", (dir: string) => lookups.ls(dir));
  engine.registerFilter("exists", (key: string) => lookups.exists(key));

  const parsed = new Map<string, Template[]>();
  /** Renders `source` with the lookups over `entries` and the `context` it builds. */
  const renderWith = (
    source: string,
    name: string,
    entries: TemplateEntry[],
    context: () => Record<string, unknown>,
  ): string => {
    if (source.length > limits.templateSize) {
      throw new RenderError(
        `${name}: template is longer than haproxy.template_size_limit (${limits.templateSize}): ${source.length} characters`,
      );
    }
    let templates = parsed.get(source);
    try {
      if (!templates) {
        templates = engine.parse(expandFilteredFor(source));
        parsed.clear();
        parsed.set(source, templates);
      }
      lookups = createLookups(entries);
      return engine.renderSync(templates, context()) as string;
    } catch (error) {
      throw new RenderError(`${name}: ${describeRenderFailure(error, limits)}`, { cause: error });
    } finally {
      lookups = createLookups([]);
    }
  };
  const renderKeys = (
    source: string,
    name: string,
    entries: TemplateEntry[],
    variables: Record<string, unknown> = {},
  ) => renderWith(source, name, entries, () => variables);

  return {
    render(source, name, model, settings, layout) {
      const entries = [...entriesOf(model), ...(settings.rawEntries ?? [])];
      return renderWith(source, name, entries, () => {
        const health = settings.health ?? DEFAULT_HEALTH_SETTINGS;
        const services = laidOutServices(model, layout ?? freshLayout(model, DEFAULT_LAYOUT));
        return {
          services: services.map((service) => ({
            ...service,
            health: templateServiceCheck(health, service.name),
          })),
          revision: model.revision,
          template: settings.template,
          haproxy: settings.haproxy,
          default_service: settings.defaultService,
          health: templateHealth(health),
        };
      });
    },
    renderKeys,
    renderKeysSettled: async (source, name, entries, variables) =>
      renderKeys(source, name, entries, variables),
  };
}
