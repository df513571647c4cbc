// The status page at `/`: one HTML file embedded in the executable, served with a strict
// Content-Security-Policy that allows only its own inline script and style (by hash) and requests
// to its own origin.

import { createHash } from "node:crypto";
import type { Hono } from "hono";
import type { AdminEnv } from "./access.ts";
import pageImport from "./page/status.html" with { type: "text" };

// Bun's types call every .html import an HTMLBundle; `type: "text"` makes it the file's text.
const page = pageImport as unknown as string;

/** The base64 SHA-256 of every `<tag>...</tag>` body in `html`, as CSP sources. */
function inlineHashes(html: string, tag: "script" | "style"): string[] {
  const pattern = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g");
  return [...html.matchAll(pattern)].map(
    (match) => `'sha256-${createHash("sha256").update(match[1]!).digest("base64")}'`,
  );
}

/** The page's policy: nothing from anywhere but its own inline code and its own origin. */
export function statusPagePolicy(html: string = page): string {
  return [
    "default-src 'none'",
    `script-src ${inlineHashes(html, "script").join(" ")}`,
    `style-src ${inlineHashes(html, "style").join(" ")}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

const HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": statusPagePolicy(),
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

/**
 * Serves the page at `GET /`. The page itself holds nothing secret; the API calls it makes carry
 * the token the operator types in (kept in sessionStorage).
 */
export function addStatusPage(app: Hono<AdminEnv>): void {
  app.get("/", (context) => context.body(page, 200, HEADERS));
}
