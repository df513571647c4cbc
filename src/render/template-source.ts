// The main template's source: the configured file when it exists, else the embedded default.

import { existsSync, readFileSync } from "node:fs";
import type { HaproxyConfig } from "../config/schema.ts";
import { describeError, RenderError } from "../errors.ts";
import { DEFAULT_TEMPLATE } from "./default-template.ts";

/** A template's source, and its name for messages. */
export type TemplateSource = { source: string; name: string };

/** The template source: the configured file when it exists, else the embedded default. */
export function loadTemplate(haproxy: HaproxyConfig): TemplateSource {
  if (!existsSync(haproxy.template))
    return { source: DEFAULT_TEMPLATE, name: "the default template" };
  try {
    return { source: readFileSync(haproxy.template, "utf8"), name: haproxy.template };
  } catch (error) {
    throw new RenderError(`${haproxy.template}: cannot read template: ${describeError(error)}`);
  }
}
