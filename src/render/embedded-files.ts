// Files that a rendered haproxy.cfg carries inside itself, as comment blocks, for the config writer
// to write beside it (the default template's hosts.map), and the Host → backend map's lines. Pure.

import { RenderError } from "../errors.ts";

/** One file carried by a rendered config: its name beside the config, and its text. */
export type EmbeddedFile = { name: string; content: string };

/** The line that opens a file's block; the block's lines follow, each prefixed by BODY. */
const HEADER = "# sluice file ";
const BODY = "#| ";

/** A plain file name, so a template can only name a file beside the config. */
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;

/** Why `name` cannot be an embedded file's name, or undefined when it can. */
export function invalidFileName(name: string): string | undefined {
  if (!FILE_NAME.test(name)) return `"${name}" is not a plain file name (letters, digits, . _ -)`;
  if (/\.(staged|last-good|check)$/.test(name) || /\.cfg$/.test(name)) {
    return `"${name}" is reserved for the config file's own copies`;
  }
  return undefined;
}

/**
 * `content` as a block of comment lines naming `name`: HAProxy skips it, the planner compares it
 * (so a changed file takes a reload), and the config writer writes it beside the config. Blank
 * lines are dropped; the text a block yields always ends with a newline.
 */
export function embedFile(content: string, name: string): string {
  const lines = content.split("\n").filter((line) => line.trim() !== "");
  return [`${HEADER}${name}`, ...lines.map((line) => `${BODY}${line.trim()}`)].join("\n");
}

/** The `embed_file` filter, `{{ text | embed_file: "hosts.map" }}`: `text` carried in the config
 * as a file the config writer writes beside it. Throws RenderError on a name that is not plain. */
export function embedFileFilter(content: unknown, name: unknown): string {
  const invalid = invalidFileName(String(name));
  if (invalid) throw new RenderError(`embed_file: ${invalid}`);
  return embedFile(String(content ?? ""), String(name));
}

/** Whether `line` opens an embedded file's block; its name if so. */
export function embeddedFileHeader(line: string): string | undefined {
  return line.startsWith(HEADER) ? line.slice(HEADER.length).trim() : undefined;
}

/** Whether `line` belongs to an embedded file's block; its text if so. */
export function embeddedFileLine(line: string): string | undefined {
  if (line === BODY.trimEnd()) return "";
  return line.startsWith(BODY) ? line.slice(BODY.length) : undefined;
}

/** Where each block starts in `text` (found by search, so a large config is not split). */
function blockStarts(text: string): number[] {
  const starts: number[] = [];
  if (text.startsWith(HEADER)) starts.push(0);
  for (let at = text.indexOf(`\n${HEADER}`); at !== -1; at = text.indexOf(`\n${HEADER}`, at + 1)) {
    starts.push(at + 1);
  }
  return starts;
}

/** The block at `start`: its name and lines, up to the first line that is not the block's. */
function readBlock(text: string, start: number): { name: string; lines: string[] } {
  const lines: string[] = [];
  let end = text.indexOf("\n", start);
  const name = embeddedFileHeader(text.slice(start, end === -1 ? undefined : end))!;
  while (end !== -1) {
    const next = text.indexOf("\n", end + 1);
    const body = embeddedFileLine(text.slice(end + 1, next === -1 ? undefined : next));
    if (body === undefined) break;
    lines.push(body);
    end = next;
  }
  return { name, lines };
}

/** The files `text` carries, in order; a name given twice keeps its first block. Throws on a
 * name that is not a plain file name. */
export function embeddedFiles(text: string): EmbeddedFile[] {
  const files = new Map<string, string>();
  for (const start of blockStarts(text)) {
    const { name, lines } = readBlock(text, start);
    const invalid = invalidFileName(name);
    if (invalid) throw new Error(`embedded file ${invalid}`);
    if (!files.has(name)) files.set(name, lines.map((line) => `${line}\n`).join(""));
  }
  return [...files].map(([name, content]) => ({ name, content }));
}

/** One line of the Host map: a Host header (without port, lower case) and its backend. */
export type HostMapEntry = { host: string; backend: string };

/** Lower case as HAProxy's `lower` converter and `-i` do it: ASCII letters only. */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

/**
 * The Host map of `services` in order: each service's name, then its `hostnames`, lower case.
 * A Host another service listed first keeps the first (as the first matching `use_backend` line
 * did).
 */
export function hostMapEntries(
  services: readonly { name: string; hostnames: readonly string[] }[],
): HostMapEntry[] {
  const entries: HostMapEntry[] = [];
  const seen = new Set<string>();
  for (const service of services) {
    for (const host of [service.name, ...service.hostnames]) {
      const key = asciiLower(host);
      if (seen.has(key)) continue;
      seen.add(key);
      entries.push({ host: key, backend: service.name });
    }
  }
  return entries;
}
