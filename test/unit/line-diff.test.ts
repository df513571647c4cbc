import { describe, expect, test } from "bun:test";
import { lineEdits, unifiedDiff } from "../../src/line-diff.ts";

/** Applies an edit script to its left side: it must give back the right side. */
function check(before: string, after: string, maxEdits?: number) {
  const edits = lineEdits(before, after, maxEdits);
  const left = edits.filter((edit) => edit.kind !== "+").map((edit) => edit.line);
  const right = edits.filter((edit) => edit.kind !== "-").map((edit) => edit.line);
  const lines = (text: string) => (text === "" ? [] : text.replace(/\n$/, "").split("\n"));
  expect(left).toEqual(lines(before));
  expect(right).toEqual(lines(after));
  return edits;
}

describe("line diff", () => {
  test("same texts have no diff", () => {
    expect(unifiedDiff("a\nb\n", "a\nb\n")).toBe("");
    expect(unifiedDiff("", "")).toBe("");
  });

  test("a changed server line is one hunk with three lines of context", () => {
    const before = [
      "global",
      "  daemon",
      "backend web",
      "  balance roundrobin",
      "  server a 10.0.0.1:80 weight 1",
      "  server b 10.0.0.2:80 weight 1",
      "frontend f",
      "  bind :80",
    ].join("\n");
    const after = before.replace("server b 10.0.0.2:80 weight 1", "server b 10.0.0.2:80 weight 5");
    expect(unifiedDiff(before, after, { fromName: "served", toName: "next" })).toBe(
      [
        "--- served",
        "+++ next",
        "@@ -3,6 +3,6 @@",
        " backend web",
        "   balance roundrobin",
        "   server a 10.0.0.1:80 weight 1",
        "-  server b 10.0.0.2:80 weight 1",
        "+  server b 10.0.0.2:80 weight 5",
        " frontend f",
        "   bind :80",
        "",
      ].join("\n"),
    );
  });

  test("changes far apart are separate hunks; additions to an empty side start at 0", () => {
    const before = Array.from({ length: 20 }, (_, i) => `line ${i}`).join("\n");
    const after = before.replace("line 1\n", "line one\n").replace("line 18", "line eighteen");
    const diff = unifiedDiff(before, after);
    expect(diff.match(/^@@.*@@$/gm)).toEqual(["@@ -1,5 +1,5 @@", "@@ -16,5 +16,5 @@"]);
    expect(unifiedDiff("", "x\ny\n")).toBe("--- a\n+++ b\n@@ -0,0 +1,2 @@\n+x\n+y\n");
    expect(unifiedDiff("x\n", "")).toBe("--- a\n+++ b\n@@ -1,1 +0,0 @@\n-x\n");
  });

  test("edit scripts are minimal and always rebuild both sides", () => {
    const edits = check("a\nb\nc\na\nb\nb\na\n", "c\nb\na\nb\na\nc\n");
    // The classic Myers example: 5 edits.
    expect(edits.filter((edit) => edit.kind !== " ")).toHaveLength(5);
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    for (let round = 0; round < 50; round++) {
      const text = () =>
        Array.from({ length: random() % 30 }, () => "abcde"[random() % 5]).join("\n");
      check(text(), text());
    }
  });

  test("past maxEdits the middle is shown as removed then added, still correct", () => {
    const before = Array.from({ length: 50 }, (_, i) => `old ${i}`).join("\n");
    const after = Array.from({ length: 50 }, (_, i) => `new ${i}`).join("\n");
    const edits = check(`head\n${before}\ntail`, `head\n${after}\ntail`, 10);
    expect(edits[1]).toEqual({ kind: "-", line: "old 0" });
    expect(edits[51]).toEqual({ kind: "+", line: "new 0" });
  });
});
