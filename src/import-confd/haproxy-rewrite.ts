// Rewrites the converted HAProxy template, line by line (the converter keeps Go's lines 1:1), to
// run under sluice's supervision and HAProxy 2.6: sluice's stats socket and the global lines its
// reloads need, no daemon/user/group/pidfile/chroot, and 1.5-era keywords 2.6 rejects replaced.
// Every change is a report line naming the template's file:line. Pure.

import type { Report } from "./report.ts";

const NEWLINE = '{{ "\\n" }}';

/**
 * The global lines sluice's own template has and its supervision needs, on one template line
 * (each new output line starts with `{{ "\n" }}`, so the template keeps its line numbers).
 */
function sluiceGlobal(indent: string): string {
  const pad = /^\s*/.exec(indent)![0] || "    ";
  return [
    `${indent}stats socket {{ haproxy.stats_socket }} mode 600 level admin expose-fd listeners`,
    `${NEWLINE}${pad}hard-stop-after {{ haproxy.hard_stop_after }}`,
    `{% if haproxy.reload == "master-worker" %}${NEWLINE}${pad}mworker-max-reloads {{ haproxy.max_old_workers }}{% endif %}`,
    `${NEWLINE}${pad}server-state-file {{ haproxy.server_state_file }}`,
  ].join("");
}

/** Global keywords dropped, with why. */
const GLOBAL_DROPS: Record<string, string> = {
  daemon: "sluice runs HAProxy in master-worker mode itself",
  "master-worker": "sluice chooses how HAProxy runs ([haproxy] reload)",
  user: "sluice runs HAProxy as its own user",
  group: "sluice runs HAProxy as its own user",
  uid: "sluice runs HAProxy as its own user",
  gid: "sluice runs HAProxy as its own user",
  pidfile: "sluice keeps HAProxy's pid in its runtime directory",
  chroot: "HAProxy runs as sluice's user, which cannot chroot",
  nbproc: "removed in HAProxy 2.5; HAProxy uses threads (nbthread)",
  "hard-stop-after": "sluice sets it from [haproxy] hard_stop_after",
  "mworker-max-reloads": "sluice sets it from [haproxy] max_old_workers",
  "server-state-file": "sluice sets it beside its rendered config",
};

/** Keywords HAProxy 2.6 rejects that have an exact replacement (its own error says which). */
const RENAMES: [RegExp, string, string][] = [
  [/^(timeout\s+)?contimeout\b/, "timeout connect", "contimeout is gone since HAProxy 2.1"],
  [/^(timeout\s+)?clitimeout\b/, "timeout client", "clitimeout is gone since HAProxy 2.1"],
  [/^(timeout\s+)?srvtimeout\b/, "timeout server", "srvtimeout is gone since HAProxy 2.1"],
  [/^redispatch\b/, "option redispatch", "redispatch is gone since HAProxy 2.1"],
  [/^block\b/, "http-request deny", "block is gone since HAProxy 2.1 (same syntax)"],
  [/^option\s+forceclose\b/, "option httpclose", "option forceclose is gone since HAProxy 2.0"],
];

/** Proxy keywords dropped: HAProxy says to remove them. */
const PROXY_DROPS: Record<string, string> = {
  "option http-tunnel": "gone since HAProxy 2.1, not needed",
  "bind-process": "has no effect since HAProxy 2.5",
};

/** Keywords 2.6 rejects that need the operator's rewrite, with HAProxy's advice. */
const UNSUPPORTED: [RegExp, string][] = [
  [
    /^(req|rsp)i?(add|rep|del|allow|deny|pass|tarpit|setbe)\b/,
    "removed in HAProxy 2.1: use http-request/http-response rules (add-header, replace-header, del-header, deny, ...)",
  ],
  [/^appsession\b/, "removed in HAProxy 1.6: use `cookie` or a stick-table"],
  [/^monitor-net\b/, "removed: use `http-request return status 200 if { src NET }`"],
  [/^mode\s+health\b/, "removed: use `http-request return status 200`"],
  [/^grace\b/, "removed in HAProxy 2.5"],
  [/^option\s+http_proxy\b/, "removed in HAProxy 2.5: use http-request set-dst/set-uri"],
];

const SECTION =
  /^\s*(global|defaults|frontend|backend|listen|peers|resolvers|userlist|mailers|program|cache|ring|http-errors)\b/;

type LineContext = { file: string; report: Report; state: { socketDone: boolean } };

/** `liquid` rewritten for sluice; `file` is the Go template's path for report lines. */
export function rewriteHaproxyTemplate(liquid: string, file: string, report: Report): string {
  const lines = liquid.split("\n");
  const context: LineContext = { file, report, state: { socketDone: false } };
  let section = "";
  let globalLine = -1;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const header = SECTION.exec(line);
    if (header) {
      section = header[1]!;
      if (section === "global" && globalLine < 0) globalLine = index;
      if (section === "defaults") lines[index] = addServerStateLoad(line, index, context, liquid);
      continue;
    }
    lines[index] = rewriteLine(line, section, index + 1, context);
  }
  if (!context.state.socketDone) addSluiceGlobal(lines, globalLine, context);
  // A literal cookie value on a server line built from keys: the same cookie for every server.
  const fixedCookie = lines.findIndex((line) =>
    /^\s*server\s.*\{\{.*\bcookie\s+[\w-]+(\s|$)/.test(line),
  );
  if (fixedCookie >= 0) {
    report.add(
      file,
      fixedCookie + 1,
      "note",
      "this server line, made from keys, gives every server the same literal cookie: HAProxy sends every client holding it to the first server; make the cookie unique per server (sluice's default template uses `cookie ... dynamic`)",
    );
  }
  return lines.join("\n");
}

function indentOf(line: string): string {
  return /^\s*/.exec(line)![0];
}

/** The rewritten line (itself when nothing applies). */
function rewriteLine(line: string, section: string, lineNo: number, context: LineContext): string {
  const { file, report } = context;
  // Leading whitespace and Liquid tags (`{% if %}`): the HAProxy keyword follows them.
  const indent = /^(\s*(\{%-?(?:[^%]|%(?!\}))*-?%\}\s*)*)/.exec(line)![0];
  const body = line.slice(indent.length);
  const keyword = /^[A-Za-z][\w.-]*(\s+[\w.-]+)?/.exec(body)?.[0] ?? "";
  if (!keyword) return line;
  const drop = (reason: string) =>
    dropLine(line, lineNo, keyword.split(/\s+/)[0]!, reason, context);
  if (section === "global") {
    if (/^stats\s+socket\b/.test(body)) {
      if (context.state.socketDone) return drop("sluice's runtime API uses its own stats socket");
      context.state.socketDone = true;
      report.add(
        file,
        lineNo,
        "note",
        `rewritten: "${body.trim()}" → sluice's stats socket (its runtime API needs level admin and expose-fd listeners), hard-stop-after, mworker-max-reloads and server-state-file`,
      );
      return sluiceGlobal(indent);
    }
    const word = keyword.split(/\s+/)[0]!;
    if (word in GLOBAL_DROPS) return drop(GLOBAL_DROPS[word]!);
    return line;
  }
  for (const [pattern, replacement, reason] of RENAMES) {
    const match = pattern.exec(body);
    if (!match) continue;
    const rewritten = `${indent}${replacement}${body.slice(match[0].length)}`;
    report.add(
      file,
      lineNo,
      "note",
      `rewritten for HAProxy 2.6: "${body.trim()}" → "${rewritten.trim()}" (${reason})`,
    );
    return rewritten;
  }
  for (const [words, reason] of Object.entries(PROXY_DROPS)) {
    if (new RegExp(`^${words.replace(/ /g, "\\s+")}\\b`).test(body)) return drop(reason);
  }
  for (const [pattern, advice] of UNSUPPORTED) {
    if (pattern.test(body))
      report.add(
        file,
        lineNo,
        "problem",
        `"${body.trim()}": HAProxy 2.6 rejects it, ${advice}; not rewritten`,
      );
  }
  return line;
}

/** A dropped line becomes a HAProxy comment; a line with template logic is left (a problem). */
function dropLine(
  line: string,
  lineNo: number,
  word: string,
  reason: string,
  context: LineContext,
): string {
  if (line.includes("{%")) {
    context.report.add(
      context.file,
      lineNo,
      "problem",
      `"${line.trim()}": should be removed (${reason}) but holds template logic; remove it by hand`,
    );
    return line;
  }
  context.report.add(context.file, lineNo, "note", `removed: "${line.trim()}" (${reason})`);
  return `${indentOf(line)}# ${word}: removed by lbctl import-confd (${reason})`;
}

function addSluiceGlobal(lines: string[], globalLine: number, context: LineContext): void {
  if (globalLine >= 0) {
    lines[globalLine] = `${lines[globalLine]}${NEWLINE}${sluiceGlobal("    ")}`;
    context.report.add(
      context.file,
      globalLine + 1,
      "note",
      "added to global: sluice's stats socket, hard-stop-after, mworker-max-reloads and server-state-file",
    );
  } else {
    lines[0] = `global${NEWLINE}${sluiceGlobal("    ")}${NEWLINE}${lines[0]}`;
    context.report.add(
      context.file,
      1,
      "note",
      "added a global section with sluice's stats socket, hard-stop-after, mworker-max-reloads and server-state-file",
    );
  }
}

/** `load-server-state-from-file global` added to a defaults section that lacks it. */
function addServerStateLoad(
  line: string,
  index: number,
  context: LineContext,
  liquid: string,
): string {
  if (/load-server-state-from-file/.test(liquid)) return line;
  context.report.add(
    context.file,
    index + 1,
    "note",
    "added to defaults: load-server-state-from-file global (health and weights survive sluice's reloads)",
  );
  return `${line}${NEWLINE}    load-server-state-from-file global`;
}
