// Rewriting server lines of a config in place: the config file follows fast-path updates this
// way, reading only the sections of the backends changed. Pure.

import type { ServerLine } from "./plan.ts";

/**
 * Rewrites the address, weight and enabled state of the named server lines (`backend/server` →
 * desired line) in place, leaving every other byte alone. Returns undefined when a named server
 * has no line in `text`, or more than one. Only the sections of the backends named are read, so
 * a change beside 100,000 servers costs what its backend's lines do.
 */
export function patchServerLines(
  text: string,
  changes: Map<string, ServerLine>,
): string | undefined {
  const byBackend = new Map<string, Map<string, ServerLine>>();
  for (const [id, change] of changes) {
    const slash = id.indexOf("/");
    const backend = id.slice(0, slash);
    const servers = byBackend.get(backend) ?? new Map<string, ServerLine>();
    servers.set(id.slice(slash + 1), change);
    byBackend.set(backend, servers);
  }
  const edits: { start: number; end: number; line: string }[] = [];
  for (const [backend, servers] of byBackend) {
    const section = sectionRange(text, backend);
    if (!section) return undefined;
    const found = serverLineEdits(text, section, servers);
    if (!found) return undefined;
    edits.push(...found);
  }
  edits.sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let at = 0;
  for (const edit of edits) {
    parts.push(text.slice(at, edit.start), edit.line);
    at = edit.end;
  }
  parts.push(text.slice(at));
  return parts.join("");
}

/** Where the lines of `backend`'s section (a `backend` or `listen` of that name) are in `text`:
 * from its header's end to the next line that opens a section. */
function sectionRange(text: string, backend: string): { start: number; end: number } | undefined {
  for (const keyword of ["backend", "listen"]) {
    const header = `${keyword} ${backend}`;
    for (let at = text.indexOf(header); at >= 0; at = text.indexOf(header, at + 1)) {
      const after = text[at + header.length];
      const atLineStart = at === 0 || text[at - 1] === "\n";
      if (!atLineStart || (after !== undefined && !/\s/.test(after))) continue;
      const lineEnd = text.indexOf("\n", at);
      const start = lineEnd < 0 ? text.length : lineEnd;
      const next = /\n[^\s#]/g;
      next.lastIndex = start;
      const end = next.exec(text)?.index ?? text.length;
      return { start, end };
    }
  }
  return undefined;
}

const SERVER_LINE = /^([ \t]+)server[ \t]+(\S+)[ \t]+(\S+)([^\n]*?)([ \t]+#[^\n]*)?$/gm;

/** The edits that give `servers` (by name) their desired lines in one section; undefined when
 * one of them has no line there, or two. */
function serverLineEdits(
  text: string,
  section: { start: number; end: number },
  servers: Map<string, ServerLine>,
): { start: number; end: number; line: string }[] | undefined {
  const edits: { start: number; end: number; line: string }[] = [];
  const seen = new Set<string>();
  SERVER_LINE.lastIndex = section.start;
  for (let match = SERVER_LINE.exec(text); match; match = SERVER_LINE.exec(text)) {
    if (match.index >= section.end) break;
    const change = servers.get(match[2]!);
    if (!change) continue;
    if (seen.has(match[2]!)) return undefined;
    seen.add(match[2]!);
    const line = patchedLine(match[1]!, match[2]!, match[4] ?? "", match[5] ?? "", change);
    edits.push({ start: match.index, end: match.index + match[0].length, line });
  }
  return seen.size === servers.size ? edits : undefined;
}

/** A server line with `change`'s address, weight and enabled state, its other words kept. */
function patchedLine(
  indent: string,
  name: string,
  words: string,
  comment: string,
  change: ServerLine,
): string {
  const rest: string[] = [];
  const tokens = words.trim().split(/\s+/).filter(Boolean);
  let weighted = false;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === "disabled") continue;
    if (tokens[i] === "weight" && i + 1 < tokens.length) {
      rest.push("weight", String(change.weight));
      weighted = true;
      i++;
    } else rest.push(tokens[i]!);
  }
  if (!weighted) rest.push("weight", String(change.weight));
  const head = [
    `server ${name} ${change.address}`,
    ...(change.disabled ? ["disabled"] : []),
    ...rest,
  ];
  return `${indent}${head.join(" ")}${comment}`;
}
