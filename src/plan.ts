// The planner: compares the served haproxy.cfg with the desired one and decides between runtime
// API commands (server lines whose address, weight or enabled state changed) and a reload
// (anything else). Comment lines are ignored, but for the blocks of files the config carries. Pure.

import { embeddedFileHeader, embeddedFileLine } from "./render/embedded-files.ts";

export type RuntimeOp = { backend: string; server: string; commands: string[]; why: string };

export type Plan =
  | { kind: "none" }
  | { kind: "runtime"; ops: RuntimeOp[] }
  | { kind: "reload"; reasons: string[] };

export type ServerLine = { address: string; weight: number; disabled: boolean; rest: string };
type Section = { header: string; lines: string[]; servers: Map<string, ServerLine> };

const MAX_REASONS = 10;

function parseServer(tokens: string[]): ServerLine {
  const rest: string[] = [];
  let weight = 1;
  let disabled = false;
  for (let i = 3; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === "weight" && i + 1 < tokens.length) weight = Number(tokens[++i]);
    else if (token === "disabled") disabled = true;
    else rest.push(token);
  }
  return { address: tokens[2] ?? "", weight, disabled, rest: rest.join(" ") };
}

/** The two texts parsed last (the served and the next config): one reload parses them in
 * several steps (the plan, the bind pre-flight, the server-state filter, the layout check). Held
 * weakly, so the parse of a large config does not outlive its use. */
const parsed = new Map<string, WeakRef<readonly Section[]>>();

/** Splits a config into sections; `server` lines of backends are parsed, the rest kept as text.
 * The answer is shared between callers: never change it. */
export function parseSections(text: string): readonly Section[] {
  const known = parsed.get(text)?.deref();
  if (known) return known;
  const sections = splitSections(text);
  parsed.delete(text);
  if (parsed.size >= 2) parsed.delete(parsed.keys().next().value!);
  parsed.set(text, new WeakRef(sections));
  return sections;
}

function splitSections(text: string): Section[] {
  const sections: Section[] = [];
  let current: Section = { header: "", lines: [], servers: new Map() };
  sections.push(current);
  let inFile = false;
  for (const raw of text.split("\n")) {
    // A file the config carries (hosts.map) is compared like a section: a change takes a reload.
    const fileName = embeddedFileHeader(raw);
    const fileLine: string | undefined = inFile ? embeddedFileLine(raw) : undefined;
    inFile = fileName !== undefined || fileLine !== undefined;
    if (fileName !== undefined) {
      current = { header: `file ${fileName}`, lines: [], servers: new Map() };
      sections.push(current);
      continue;
    }
    if (fileLine !== undefined) {
      current.lines.push(fileLine);
      continue;
    }
    const line = raw.replace(/\s+#.*$/, "").trimEnd();
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    if (!/^\s/.test(line)) {
      current = { header: trimmed, lines: [], servers: new Map() };
      sections.push(current);
      continue;
    }
    const tokens = trimmed.split(/\s+/);
    const isBackend = /^(backend|listen)\s/.test(current.header);
    if (
      isBackend &&
      tokens[0] === "server" &&
      tokens.length >= 3 &&
      !current.servers.has(tokens[1]!)
    ) {
      // Server lines are compared by name: their order does not matter to HAProxy.
      current.servers.set(tokens[1]!, parseServer(tokens));
    } else {
      current.lines.push(tokens.join(" "));
    }
  }
  return sections;
}

/** `host:port` of a server line as runtime API arguments, or undefined for a DNS name. */
export function addressArgs(address: string): { host: string; port: string } | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d+)$/.exec(address);
  if (!match) return undefined;
  return { host: match[1] ?? match[2]!, port: match[3]! };
}

export function planServer(
  backend: string,
  name: string,
  before: ServerLine,
  after: ServerLine,
): RuntimeOp | string {
  const id = `${backend}/${name}`;
  if (before.rest !== after.rest) return `server ${id} options changed`;
  const commands: string[] = [];
  const why: string[] = [];
  const enable = before.disabled && !after.disabled;
  const disable = !before.disabled && after.disabled;
  // A slot given another address passes through maintenance: HAProxy keeps the check state
  // across `set server addr`; leaving maintenance restarts it (down at the first failure).
  const recheck = !before.disabled && !after.disabled && before.address !== after.address;
  if (disable || recheck) commands.push(`set server ${id} state maint`);
  if (before.address !== after.address) {
    const args = addressArgs(after.address);
    if (!args) return `server ${id} address ${after.address} is not an IP address`;
    commands.push(`set server ${id} addr ${args.host} port ${args.port}`);
    why.push(`address ${before.address} → ${after.address}`);
  }
  if (before.weight !== after.weight) {
    commands.push(`set server ${id} weight ${after.weight}`);
    why.push(`weight ${before.weight} → ${after.weight}`);
  }
  if (enable || recheck) commands.push(`set server ${id} state ready`);
  if (enable) why.push("enabled");
  if (recheck) why.push("checks start over");
  if (disable) why.push("disabled");
  return { backend, server: name, commands, why: why.join(", ") };
}

/** What it takes to go from the served config `before` to `after`. */
export function planConfig(before: string, after: string): Plan {
  const old = parseSections(before);
  const next = parseSections(after);
  const reasons: string[] = [];
  const ops: RuntimeOp[] = [];
  const oldByHeader = new Map(old.map((s) => [s.header, s]));
  const nextHeaders = new Set(next.map((s) => s.header));
  for (const section of old) {
    if (!nextHeaders.has(section.header)) reasons.push(`section removed: ${section.header}`);
  }
  for (const section of next) {
    const previous = oldByHeader.get(section.header);
    if (!previous) {
      reasons.push(`section added: ${section.header}`);
      continue;
    }
    if (previous.lines.join("\n") !== section.lines.join("\n")) {
      reasons.push(`settings changed in ${section.header || "the global part"}`);
      continue;
    }
    const added = [...section.servers.keys()].filter((name) => !previous.servers.has(name));
    const removed = [...previous.servers.keys()].filter((name) => !section.servers.has(name));
    if (added.length > 0 || removed.length > 0) {
      const list = (names: string[]) =>
        names.slice(0, 5).join(", ") + (names.length > 5 ? ", …" : "");
      const parts = [
        ...(added.length > 0 ? [`added ${list(added)}`] : []),
        ...(removed.length > 0 ? [`removed ${list(removed)}`] : []),
      ];
      reasons.push(`server lines changed in ${section.header}: ${parts.join("; ")}`);
      continue;
    }
    const backend = section.header.split(/\s+/)[1] ?? "";
    for (const [name, after] of section.servers) {
      const op = planServer(backend, name, previous.servers.get(name)!, after);
      if (typeof op === "string") reasons.push(op);
      else if (op.commands.length > 0) ops.push(op);
    }
  }
  if (reasons.length > 0) {
    const shown = reasons.slice(0, MAX_REASONS);
    if (reasons.length > MAX_REASONS) shown.push(`and ${reasons.length - MAX_REASONS} more`);
    return { kind: "reload", reasons: shown };
  }
  return ops.length > 0 ? { kind: "runtime", ops } : { kind: "none" };
}

/** TCP addresses (`host:port`) bound in `after` but not in `before`. */
export function newBindAddresses(before: string, after: string): { host: string; port: number }[] {
  const binds = (text: string) => {
    const found = new Map<string, { host: string; port: number }>();
    for (const section of parseSections(text)) {
      for (const line of section.lines) {
        if (!line.startsWith("bind ")) continue;
        for (const address of (line.split(" ")[1] ?? "").split(",")) {
          const parsed = parseBindAddress(address);
          if (!parsed) continue;
          const { host, port } = parsed;
          found.set(`${host}:${port}`, { host, port });
        }
      }
    }
    return found;
  };
  const old = binds(before);
  return [...binds(after)].filter(([key]) => !old.has(key)).map(([, value]) => value);
}

/** `host:port` of one `bind` address; undefined for unix sockets, abns and port ranges. */
function parseBindAddress(text: string): { host: string; port: number } | undefined {
  const address = text.replace(/^ipv[46]@/, "");
  if (address.includes("/") || address.includes("@")) return undefined;
  const bracketed = /^\[([^\]]+)\]:(\d{1,5})$/.exec(address);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2]) };
  const colon = address.lastIndexOf(":");
  const port = address.slice(colon + 1);
  if (colon < 0 || !/^\d{1,5}$/.test(port)) return undefined;
  const host = address.slice(0, colon);
  return { host: host === "" || host === "*" ? "0.0.0.0" : host, port: Number(port) };
}
