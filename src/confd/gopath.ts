// Go's package path: Clean, Dir, Base and Match (slash-separated paths). Pure.

/** Go's path.Clean: the shortest equivalent path; "" is ".". */
export function cleanPath(path: string): string {
  const rooted = path.startsWith("/");
  const kept: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") kept.push(part);
    else if (kept.length > 0 && kept[kept.length - 1] !== "..") kept.pop();
    else if (!rooted) kept.push("..");
  }
  const joined = (rooted ? "/" : "") + kept.join("/");
  return joined === "" ? "." : joined;
}

/** Go's path.Dir: all but the last element, cleaned. */
export function dirPath(path: string): string {
  return cleanPath(path.slice(0, path.lastIndexOf("/") + 1));
}

/** Go's path.Base: the last element, trailing slashes removed; "" is ".", all slashes "/". */
export function basePath(path: string): string {
  if (path === "") return ".";
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** Thrown for a malformed pattern, as Go's path.ErrBadPattern. */
export class BadPatternError extends Error {
  constructor(pattern: string) {
    super(`syntax error in pattern: ${pattern}`);
  }
}

const SPECIAL = /[.+^${}()|[\]\\/*?]/g;
const CLASS_SPECIAL = /[\]\\^-]/g;

function escapeChar(char: string): string {
  return char.replace(SPECIAL, "\\$&");
}

function escapeClassChar(char: string): string {
  return char.replace(CLASS_SPECIAL, "\\$&");
}

/** One class element (`c`, `\c`), as Go's getEsc: `-`, `]` and a trailing `\` are errors. */
function classChar(pattern: string, at: number): [string, number] {
  let char = pattern[at];
  if (char === undefined || char === "-" || char === "]") throw new BadPatternError(pattern);
  if (char === "\\") {
    at++;
    char = pattern[at];
    if (char === undefined) throw new BadPatternError(pattern);
  }
  const code = pattern.codePointAt(at)!;
  const text = String.fromCodePoint(code);
  return [text, at + text.length];
}

/** `[...]` from `at` (just after `[`) as a RegExp class; returns it and the index after `]`. */
function readClass(pattern: string, at: number): [string, number] {
  let source = "[";
  if (pattern[at] === "^") {
    source += "^";
    at++;
  }
  let ranges = 0;
  for (;;) {
    if (pattern[at] === "]" && ranges > 0) return [`${source}]`, at + 1];
    const [low, afterLow] = classChar(pattern, at);
    at = afterLow;
    source += escapeClassChar(low);
    if (pattern[at] === "-") {
      const [high, afterHigh] = classChar(pattern, at + 1);
      if (high < low) throw new BadPatternError(pattern);
      source += `-${escapeClassChar(high)}`;
      at = afterHigh;
    }
    ranges++;
  }
}

/** Go's path.Match pattern as an anchored RegExp: `*` and `?` never cross `/`. Throws
 * BadPatternError for a malformed pattern. */
export function patternRegExp(pattern: string): RegExp {
  let source = "";
  let at = 0;
  while (at < pattern.length) {
    const char = String.fromCodePoint(pattern.codePointAt(at)!);
    if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else if (char === "[") {
      const [klass, next] = readClass(pattern, at + 1);
      source += klass;
      at = next;
      continue;
    } else if (char === "\\") {
      const escaped = pattern[at + 1];
      if (escaped === undefined) throw new BadPatternError(pattern);
      source += escapeChar(escaped);
      at += 2;
      continue;
    } else source += escapeChar(char);
    at += char.length;
  }
  return new RegExp(`^${source}$`, "u");
}

/** Go's path.Match. */
export function matchPath(pattern: string, name: string): boolean {
  return patternRegExp(pattern).test(name);
}
