// Unit files that write etcd's v2 API (`etcdctl set|mk|update|rm|rmdir`): each such line
// rewritten for v3, with `lbctl register` where the key is a sluice registration; and the generic
// mapping when no unit is given. Pure.

import type { Report } from "./report.ts";

/** `etcdctl [global flags] <v2 command> args`, as a unit's Exec line or a shell line holds it. */
const V2_CALL =
  /((?:(?:\/[\w.-]+)*\/)?etcdctl)((?:\s+--?[\w-]+(?:[=\s](?!(?:set|mk|update|rm|rmdir|mkdir|setdir|updatedir)\b)\S+)?)*)\s+(set|mk|update|rm|rmdir|mkdir|setdir|updatedir)\b((?:\s+(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s'"]+))*)/;

/** The words of an argument list, quotes kept. */
function words(text: string): string[] {
  return text.match(/"(?:[^"\\]|\\.)*"|'[^']*'|[^\s'"]+/g) ?? [];
}

/** v2's global flags that name endpoints, as v3 spells them. */
function v3GlobalFlags(flags: string): string {
  return flags
    .replace(/(^|\s)(--peers|-C|--endpoint)([=\s])/g, "$1--endpoints=")
    .replace(/--endpoints==/, "--endpoints=");
}

/** Options (with the values of those that take one) and plain arguments of a v2 call. */
function splitArgs(args: string[]): { options: string[]; plain: string[] } {
  const options: string[] = [];
  const plain: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const word = args[index]!;
    if (!word.startsWith("-")) plain.push(word);
    else {
      options.push(word);
      if (/^--(ttl|swap-with-value|swap-with-index)$/.test(word)) index++;
    }
  }
  return { options, plain };
}

const unquote = (word: string) => word.replace(/^(["'])(.*)\1$/, "$2");

export type UnitRewrite = { line: string; notes: string[] };

/** The v3 form of one v2 call (`command` and its arguments), and what changed in meaning. */
function v3Call(command: string, args: string[]): { call: string; notes: string[] } {
  const notes: string[] = [];
  const { options, plain } = splitArgs(args);
  if (options.some((option) => /^--ttl/.test(option))) {
    notes.push(
      "v3 keys have no --ttl: a key that should expire needs a lease (lbctl register keeps one)",
    );
  }
  const [key = "KEY", ...rest] = plain;
  switch (command) {
    case "set":
    case "update":
    case "mk":
      if (command === "mk") notes.push("mk failed when the key existed; put overwrites");
      return { call: ["put", key, ...rest].join(" "), notes };
    case "rm":
      if (options.some((option) => /^(--recursive|-r|--dir)$/.test(option))) {
        return { call: `del --prefix ${withSlash(key)}`, notes };
      }
      return { call: `del ${key}`, notes };
    case "rmdir":
      return { call: `del --prefix ${withSlash(key)}`, notes };
    default:
      notes.push("v3 has no directories: drop this call");
      return { call: `# (v2 ${command} ${key}: not needed in v3)`, notes };
  }
}

function withSlash(key: string): string {
  return /\/["']?$/.test(key) ? key : key.replace(/(["']?)$/, "/$1");
}

/** The v3 line for one unit line holding a v2 call, or undefined. `prefix` is sluice's. */
export function rewriteUnitLine(line: string, prefix: string): UnitRewrite | undefined {
  const match = V2_CALL.exec(line);
  if (!match) return undefined;
  const [whole, binary, flags, command, args] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const { call, notes } = v3Call(command, words(args));
  const before = line.slice(0, match.index);
  // A bare Exec line cannot take a shell's `VAR=value` prefix; env(1) can.
  const direct = /^Exec\w*=[-@:+!]*$/.test(before.trim());
  const env = direct ? "/usr/bin/env ETCDCTL_API=3 " : "ETCDCTL_API=3 ";
  const rewritten = `${before}${env}${binary}${v3GlobalFlags(flags)} ${call}${line.slice(match.index + whole.length)}`;
  const register = registerAlternative(command, words(args), prefix);
  if (register) notes.push(register);
  return { line: rewritten, notes };
}

/** `lbctl register SVC ADDR --name N` for a `set <prefix>SVC/INSTANCE "NAME HOST:PORT"`. */
function registerAlternative(command: string, args: string[], prefix: string): string | undefined {
  if (!["set", "mk", "update"].includes(command)) return undefined;
  const { plain } = splitArgs(args);
  const key = unquote(plain[0] ?? "");
  const value = unquote(plain[1] ?? "");
  if (!key.startsWith(prefix)) return undefined;
  const service = key.slice(prefix.length).split("/")[0];
  const [, name, address] = /^(\S+)\s+(.+)$/.exec(value) ?? [];
  if (!service || !name || !address || !/:[\d$%]/.test(address)) return undefined;
  const quoted = /\s/.test(address) ? `"${address}"` : address;
  return `or run \`lbctl register ${service} ${quoted} --name ${name}\` beside the service: it holds the key on a lease and deletes it when stopped (then the rm line is not needed)`;
}

/** The key a v2 call writes (unquoted), for checking it against the resources' keys. */
export function writtenKey(line: string): string | undefined {
  const match = V2_CALL.exec(line);
  const key = match ? splitArgs(words(match[4] ?? "")).plain[0] : undefined;
  return key === undefined ? undefined : unquote(key);
}

/**
 * Reports every v2 call in `text` (a unit file) with its v3 rewrite, and keys it writes that no
 * resource reads (`watched`: each resource's prefix + key).
 */
export function reportUnit(
  text: string,
  file: string,
  prefix: string,
  watched: string[],
  report: Report,
): void {
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    const rewrite = rewriteUnitLine(line, prefix);
    if (!rewrite) return;
    report.add(
      file,
      index + 1,
      "action",
      `etcd v2 call; for v3: ${rewrite.line.trim()}${rewrite.notes.map((note) => ` (${note})`).join("")}`,
    );
    const key = writtenKey(line);
    if (key && watched.length > 0 && !watched.some((prefixKey) => key.startsWith(prefixKey))) {
      report.add(
        file,
        index + 1,
        "action",
        `${key} is under no key a confd resource reads (${watched.join(", ")}): confd never rendered it, and neither will sluice until one of them matches`,
      );
    }
  });
}

/** Without `--units`: how v2 calls map to v3, once. */
export function reportGenericMapping(file: string, report: Report): void {
  report.add(
    file,
    undefined,
    "action",
    "units that write etcd v2 need v3 calls: `etcdctl set K V` → `ETCDCTL_API=3 etcdctl put K V` (or `lbctl register SVC ADDR --name N`), `etcdctl rm K` → `ETCDCTL_API=3 etcdctl del K`, `etcdctl rmdir K` / `rm --recursive K` → `ETCDCTL_API=3 etcdctl del --prefix K/`; give the unit files with --units to see each line rewritten",
  );
}
