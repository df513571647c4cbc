// Renders haproxy.cfg from a Liquid template; the only module that imports liquidjs.

import { Liquid, type Template } from "liquidjs";
import { RenderError } from "../errors.ts";
import { freshLayout, type Layout, type LayoutOptions, laidOutServices } from "../model/layout.ts";
import type { Model } from "../model/types.ts";
import { createLookups, type Lookups, type TemplateEntry } from "./lookups.ts";

/** Spares used when no layout is given (offline rendering). */
export const DEFAULT_LAYOUT: LayoutOptions = { minSpares: 8, spareRatio: 0.25, maxSpares: 1024 };

/** What a template sees besides `services` and the lookups. */
export type RenderSettings = {
  /** Shown in the header of the rendered file. */
  template: string;
  haproxy: Record<string, string | number>;
  defaultService: string;
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

/** A renderer with a parse cache keyed by template source. */
export function createRenderer(): Renderer {
  const engine = new Liquid({ strictFilters: true, ownPropertyOnly: true, cache: false });
  // Filters run synchronously inside renderSync, so one current set of lookups is enough.
  let lookups: Lookups = createLookups([]);
  engine.registerFilter("getv", (key: string, fallback?: string) => lookups.getv(key, fallback));
  engine.registerFilter("getvs", (pattern: string) => lookups.getvs(pattern));
  engine.registerFilter("gets", (pattern: string) => lookups.gets(pattern));
  engine.registerFilter("ls", (dir: string) => lookups.ls(dir));
  engine.registerFilter("exists", (key: string) => lookups.exists(key));

  const parsed = new Map<string, Template[]>();

  return {
    render(source, name, model, settings, layout) {
      let templates = parsed.get(source);
      try {
        if (!templates) {
          templates = engine.parse(expandFilteredFor(source));
          parsed.clear();
          parsed.set(source, templates);
        }
        lookups = createLookups(entriesOf(model));
        return engine.renderSync(templates, {
          services: laidOutServices(model, layout ?? freshLayout(model, DEFAULT_LAYOUT)),
          revision: model.revision,
          template: settings.template,
          haproxy: settings.haproxy,
          default_service: settings.defaultService,
        }) as string;
      } catch (error) {
        const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
        throw new RenderError(`${name}: ${message}`, { cause: error });
      } finally {
        lookups = createLookups([]);
      }
    },
  };
}
