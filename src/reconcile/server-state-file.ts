// What HAProxy restores after a reload: the lines of a `show servers state` dump that still
// describe a server of the config about to be loaded. Pure.

import { parseSections, type ServerLine } from "../plan.ts";

/** `host:port` of a dump line (IPv6 in brackets), as server lines write it. */
function lineAddress(fields: string[]): string {
  const host = fields[4] ?? "";
  return host.includes(":") ? `[${host}]:${fields[18]}` : `${host}:${fields[18]}`;
}

/**
 * Keeps the lines of a `show servers state` dump that still describe the same server in the
 * config about to be loaded (same backend and address, and the configured weight: a weight set
 * at runtime would otherwise outlive the new config). HAProxy then restores health and weights
 * of unchanged servers, and never carries a freed slot's maintenance state over to a new server
 * that took its name. A reload names slots after their servers, so a server that sat in a spare
 * slot gets a new name: its line is renamed to it (HAProxy matches lines by name), or a server
 * that was down would start up and take requests until its first failed check.
 */
export function filterServerState(state: string, config: string): string {
  const servers = new Map<string, ServerLine>();
  /** Enabled servers by backend, address and weight, for lines whose slot was renamed. */
  const byAddress = new Map<string, string[]>();
  for (const section of parseSections(config)) {
    const backend = section.header.split(/\s+/)[1] ?? "";
    for (const [name, line] of section.servers) {
      servers.set(`${backend}/${name}`, line);
      if (line.disabled) continue;
      const key = `${backend} ${line.address} ${line.weight}`;
      const names = byAddress.get(key);
      if (names) names.push(name);
      else byAddress.set(key, [name]);
    }
  }
  const lines = state.split("\n").map((line) => ({ line, fields: line.split(" ") }));
  const isRow = (line: string) => !(line === "" || line.startsWith("#") || /^\d+$/.test(line));
  const covered = new Set<string>();
  const matches = lines.map(({ line, fields }) => {
    if (!isRow(line)) return true;
    const configured = servers.get(`${fields[1]}/${fields[3]}`);
    const same =
      configured !== undefined &&
      !configured.disabled &&
      lineAddress(fields) === configured.address &&
      Number(fields[7]) === configured.weight;
    if (same) covered.add(`${fields[1]}/${fields[3]}`);
    return same;
  });
  const kept = lines.flatMap(({ line, fields }, index) => {
    if (matches[index]) return [line];
    const candidates = byAddress.get(`${fields[1]} ${lineAddress(fields)} ${fields[7]}`) ?? [];
    const name = candidates.find((candidate) => !covered.has(`${fields[1]}/${candidate}`));
    if (name === undefined) return [];
    covered.add(`${fields[1]}/${name}`);
    return [[...fields.slice(0, 3), name, ...fields.slice(4)].join(" ")];
  });
  return `${kept.join("\n").trimEnd()}\n`;
}
