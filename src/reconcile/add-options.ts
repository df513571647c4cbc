// The options a server added at runtime takes: HAProxy 2.6 gives a dynamic server none of the
// `default-server` settings, so they are spelled out from the served config (the defaults
// section's, then the backend's, then the backend's own server lines'), less what `add server`
// refuses or sluice sets itself. Pure.

import { parseSections } from "../plan.ts";
import type { AddOptions } from "./layout-ops.ts";

/** Keywords dropped, with how many values each takes: refused on dynamic servers (cookie,
 * redir, resolvers and their settings, init-addr), or set per server by sluice. */
const DROPPED: Record<string, number> = {
  cookie: 1,
  redir: 1,
  resolvers: 1,
  "resolve-prefer": 1,
  "resolve-net": 1,
  "resolve-opts": 1,
  "init-addr": 1,
  weight: 1,
  disabled: 0,
  enabled: 0,
};

function keep(tokens: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const skip = DROPPED[tokens[i]!];
    if (skip === undefined) kept.push(tokens[i]!);
    else i += skip;
  }
  return kept;
}

function defaultServerTokens(lines: readonly string[]): string[] {
  return lines.flatMap((line) => {
    const tokens = line.trim().split(/\s+/);
    return tokens[0] === "default-server" ? tokens.slice(1) : [];
  });
}

/** Add options for the backends of `text`, worked out once per backend asked for. */
export function addOptionsFrom(text: string): AddOptions {
  let sections: ReturnType<typeof parseSections> | undefined;
  const known = new Map<string, string | undefined>();
  return (backend) => {
    if (known.has(backend)) return known.get(backend);
    sections ??= parseSections(text);
    let defaults: string[] = [];
    let options: string | undefined;
    for (const section of sections) {
      const [kind, name] = section.header.split(/\s+/);
      if (kind === "defaults") defaults = defaultServerTokens(section.lines);
      if ((kind !== "backend" && kind !== "listen") || name !== backend) continue;
      const own = [...section.servers.values()][0]?.rest.split(/\s+/).filter(Boolean) ?? [];
      options = keep([...defaults, ...defaultServerTokens(section.lines), ...own]).join(" ");
      break;
    }
    known.set(backend, options);
    return options;
  };
}
