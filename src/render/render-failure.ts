// One line for a failed render: the template's name, the line liquidjs points at, and what
// went wrong (a limit by the field that sets it).

import type { RenderLimits } from "./render.ts";

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

/** The line of the template a liquidjs error points at, if it names one. */
function errorLine(error: unknown): number | undefined {
  const token = (error as { token?: { getPosition?: () => [number, number] } } | null)?.token;
  return typeof token?.getPosition === "function" ? token.getPosition()[0] : undefined;
}

/** The error's own words: a filter's message as thrown, liquidjs's without its position. */
function errorWords(error: unknown): string {
  const original = (error as { originalError?: unknown } | null)?.originalError;
  const source = original instanceof Error ? original : error;
  const message = source instanceof Error ? source.message.split("\n")[0]! : String(source);
  return message.replace(/(, file:.*?)?, line:\d+, col:\d+$/, "");
}

/**
 * One line for a render failure, `<name>:<line>: <what>`: a limit by the field that sets it
 * (as `<name>: <limit>`), else the filter's or liquidjs's message at its line.
 */
export function describeRenderFailure(error: unknown, name: string, limits: RenderLimits): string {
  const words = errorWords(error);
  const limit = LIMIT_MESSAGES.find(([text]) => words.includes(text));
  if (limit) return `${name}: ${limit[1](limits)}`;
  const line = errorLine(error);
  return line === undefined ? `${name}: ${words}` : `${name}:${line}: ${words}`;
}
