// A unified diff of two texts by lines (Myers' algorithm, as `diff -u`), for `/v1/plan?diff=1`.
// Common leading and trailing lines are set aside first; a middle that differs in more than
// `maxEdits` lines is shown as all removed, then all added, instead of searched. Pure.

type Edit = { kind: " " | "-" | "+"; line: string };

export type DiffOptions = {
  /** Unchanged lines shown around each change; default 3. */
  context?: number;
  fromName?: string;
  toName?: string;
  /** Edits searched for at most; default 2000 (the search costs edits² memory). */
  maxEdits?: number;
};

function lines(text: string): string[] {
  if (text === "") return [];
  const all = text.split("\n");
  if (all[all.length - 1] === "") all.pop();
  return all;
}

/** The V array of one round of the search, over diagonals -d-1 … d+1. */
type Round = { d: number; v: Int32Array };
const at = (round: Round, k: number) => round.v[k + round.d + 1]!;

/** The shortest edit script from `a` to `b`, or undefined when it needs more than `maxEdits`. */
function shortestEdits(a: string[], b: string[], maxEdits: number): Edit[] | undefined {
  const n = a.length;
  const m = b.length;
  const offset = n + m + 1;
  const v = new Int32Array(2 * offset + 1);
  const rounds: Round[] = [];
  for (let d = 0; d <= Math.min(n + m, maxEdits); d++) {
    rounds.push({ d, v: v.slice(offset - d - 1, offset + d + 2) });
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!);
      let x = down ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, rounds);
    }
  }
  return undefined;
}

function backtrack(a: string[], b: string[], rounds: Round[]): Edit[] {
  const edits: Edit[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = rounds.length - 1; d >= 0; d--) {
    const round = rounds[d]!;
    const k = x - y;
    const down = k === -d || (k !== d && at(round, k - 1) < at(round, k + 1));
    const previousK = down ? k + 1 : k - 1;
    const previousX = d === 0 ? 0 : at(round, previousK);
    const previousY = d === 0 ? 0 : previousX - previousK;
    while (x > previousX && y > previousY) {
      y--;
      edits.push({ kind: " ", line: a[--x]! });
    }
    if (d === 0) break;
    if (down) edits.push({ kind: "+", line: b[--y]! });
    else edits.push({ kind: "-", line: a[--x]! });
  }
  return edits.reverse();
}

/** Every line of `a` removed, then every line of `b` added. */
function replaceAll(a: string[], b: string[]): Edit[] {
  return [
    ...a.map((line) => ({ kind: "-" as const, line })),
    ...b.map((line) => ({ kind: "+" as const, line })),
  ];
}

/** The edit script from `before` to `after`, line by line. */
export function lineEdits(before: string, after: string, maxEdits = 2000): Edit[] {
  const a = lines(before);
  const b = lines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (
    end < a.length - start &&
    end < b.length - start &&
    a[a.length - 1 - end] === b[b.length - 1 - end]
  ) {
    end++;
  }
  const same = (list: string[]) => list.map((line) => ({ kind: " " as const, line }));
  const middleA = a.slice(start, a.length - end);
  const middleB = b.slice(start, b.length - end);
  const middle = shortestEdits(middleA, middleB, maxEdits) ?? replaceAll(middleA, middleB);
  return [...same(a.slice(0, start)), ...middle, ...same(a.slice(a.length - end))];
}

/** `before` → `after` as a unified diff; "" when they have the same lines. */
export function unifiedDiff(before: string, after: string, options: DiffOptions = {}): string {
  const context = options.context ?? 3;
  const edits = lineEdits(before, after, options.maxEdits);
  const changed = edits.flatMap((edit, index) => (edit.kind === " " ? [] : [index]));
  if (changed.length === 0) return "";
  const out = [`--- ${options.fromName ?? "a"}`, `+++ ${options.toName ?? "b"}`];
  // Line numbers before each edit, in `before` and in `after`.
  const positions: { a: number; b: number }[] = [];
  let lineA = 0;
  let lineB = 0;
  for (const edit of edits) {
    positions.push({ a: lineA, b: lineB });
    if (edit.kind !== "+") lineA++;
    if (edit.kind !== "-") lineB++;
  }
  let i = 0;
  while (i < changed.length) {
    // A hunk takes every change within 2 × context lines of the one before.
    let j = i;
    while (j + 1 < changed.length && changed[j + 1]! - changed[j]! <= 2 * context) j++;
    const from = Math.max(0, changed[i]! - context);
    const to = Math.min(edits.length, changed[j]! + context + 1);
    const hunk = edits.slice(from, to);
    const countA = hunk.filter((edit) => edit.kind !== "+").length;
    const countB = hunk.filter((edit) => edit.kind !== "-").length;
    const startA = positions[from]!.a + (countA > 0 ? 1 : 0);
    const startB = positions[from]!.b + (countB > 0 ? 1 : 0);
    out.push(`@@ -${startA},${countA} +${startB},${countB} @@`);
    for (const edit of hunk) out.push(`${edit.kind}${edit.line}`);
    i = j + 1;
  }
  return `${out.join("\n")}\n`;
}
