// Renders haproxy.cfg and confd-style templates from Liquid; the only module that imports
// liquidjs.

import { Liquid, type Template } from "liquidjs";
import { createDnsCache, type DnsCache } from "../confd/dns.ts";
import { type ConfdContext, registerConfdFilters } from "../confd/filters.ts";
import { createKeyStore, type KeyStore } from "../confd/keystore.ts";
import { HAPROXY_FIELDS } from "../config/defaults.ts";
import { parseDuration } from "../duration.ts";
import { RenderError } from "../errors.ts";
import { freshLayout, type Layout, type LayoutOptions, laidOutServices } from "../model/layout.ts";
import type { Model } from "../model/types.ts";
import { embedFileFilter, hostMapEntries } from "./embedded-files.ts";
import { expandFilteredFor } from "./filtered-for.ts";
import {
  DEFAULT_HEALTH_SETTINGS,
  type HealthSettings,
  templateHealth,
  templateServiceCheck,
} from "./health-settings.ts";
import type { TemplateEntry } from "./lookups.ts";
import { describeRenderFailure } from "./render-failure.ts";

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
  /** Raw keys and values (under `[haproxy] trusted_prefixes`) the lookups see besides the
   * model's registrations; a registration's key keeps the registration's value. */
  rawEntries?: TemplateEntry[];
};

/** What confd's functions read besides the keys; production defaults when omitted. */
export type RendererOptions = {
  /** Answers of lookupIP and lookupSRV (a cache over the system resolver by default). */
  dns?: DnsCache;
  /** getenv's variables (process.env by default). */
  env?: Record<string, string | undefined>;
  /** datetime's clock. */
  now?: () => Date;
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
  /**
   * Renders `source` (a `[[template]]` resource) over a key store of `entries` only, with
   * `variables` as its top-level names. DNS answers come from the cache as it is. Throws
   * RenderError.
   */
  renderKeys(
    source: string,
    name: string,
    entries: TemplateEntry[],
    variables?: Record<string, unknown>,
  ): string;
  /** Parses `source` as a render would, without rendering it. Throws RenderError
   * `<name>:<line>: <what>`. */
  parse(source: string, name: string): void;
  /** renderKeys, then settles the DNS names it asked for and renders again while answers
   * change (at most 3 renders). */
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

/** How many parsed templates a renderer keeps (the main template and its resources). */
const PARSED_TEMPLATES = 32;

/** The variables the main template sees. */
function mainVariables(model: Model, settings: RenderSettings, layout: Layout | undefined) {
  const health = settings.health ?? DEFAULT_HEALTH_SETTINGS;
  const services = laidOutServices(model, layout ?? freshLayout(model, DEFAULT_LAYOUT));
  return {
    host_map: hostMapEntries(services),
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
}

function createEngine(limits: RenderLimits): Liquid {
  return new Liquid({
    strictFilters: true,
    ownPropertyOnly: true,
    cache: false,
    renderLimit: limits.timeoutMs,
    memoryLimit: limits.memory,
    // The rewrite of filtered `for` tags lengthens a template a little; the size users set is
    // checked on the source as written, below.
    parseLimit: limits.templateSize * 2,
  });
}

/** The filters' context for one render. Its key store is made when a filter first reads it: most
 * main templates read none, and at 100,000 servers it costs more than a tenth of the render. */
function lazyContext(
  fixed: Omit<ConfdContext, "store">,
  entries: () => TemplateEntry[],
): ConfdContext {
  let store: KeyStore | undefined;
  return {
    ...fixed,
    get store() {
      store ??= createKeyStore(entries());
      return store;
    },
  };
}

/** A renderer with a parse cache keyed by template source; every render is bounded by `limits`. */
export function createRenderer(
  limits: RenderLimits = DEFAULT_RENDER_LIMITS,
  options: RendererOptions = {},
): Renderer {
  const engine = createEngine(limits);
  const dns = options.dns ?? createDnsCache();
  const fixed = { dns, env: options.env ?? process.env, now: options.now ?? (() => new Date()) };
  const empty: ConfdContext = { ...fixed, store: createKeyStore([]) };
  // Filters run synchronously inside renderSync, so one current context is enough.
  let context = empty;
  registerConfdFilters(engine, () => context);
  engine.registerFilter("embed_file", embedFileFilter);
  const parsed = new Map<string, Template[]>();

  const parse = (source: string): Template[] => {
    let templates = parsed.get(source);
    if (!templates) {
      templates = engine.parse(expandFilteredFor(source));
      if (parsed.size >= PARSED_TEMPLATES) parsed.delete(parsed.keys().next().value!);
      parsed.set(source, templates);
    }
    return templates;
  };

  const run = (
    source: string,
    name: string,
    entries: () => TemplateEntry[],
    variables: () => Record<string, unknown>,
  ): string => {
    if (source.length > limits.templateSize) {
      throw new RenderError(
        `${name}: template is longer than haproxy.template_size_limit (${limits.templateSize}): ${source.length} characters`,
      );
    }
    try {
      const templates = parse(source);
      context = lazyContext(fixed, entries);
      return engine.renderSync(templates, variables()) as string;
    } catch (error) {
      throw new RenderError(describeRenderFailure(error, name, limits), { cause: error });
    } finally {
      context = empty;
    }
  };

  const renderKeys: Renderer["renderKeys"] = (source, name, entries, variables = {}) =>
    run(
      source,
      name,
      () => entries,
      () => variables,
    );

  return {
    render(source, name, model, settings, layout) {
      const entries = () => [...(settings.rawEntries ?? []), ...entriesOf(model)];
      return run(source, name, entries, () => mainVariables(model, settings, layout));
    },
    renderKeys,
    parse(source, name) {
      try {
        parse(source);
      } catch (error) {
        throw new RenderError(describeRenderFailure(error, name, limits), { cause: error });
      }
    },
    async renderKeysSettled(source, name, entries, variables) {
      // The first settle refreshes every name the render asked for; later ones only resolve
      // names that a render with fresh answers asked for anew.
      let output = renderKeys(source, name, entries, variables);
      let changed = await dns.settle();
      for (let pass = 2; pass <= 3 && changed; pass++) {
        output = renderKeys(source, name, entries, variables);
        changed = dns.pending() && (await dns.settle());
      }
      return output;
    },
  };
}
