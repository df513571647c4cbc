// `lbctl reload`: asks the daemon to render and apply now (POST /v1/reload) and says how it went.
// It is systemd's ExecReload, so every answer says what happened and what to do next.

import { type AdminLookup, callAdmin, findAdmin, tokenMessage } from "./admin-client.ts";

/** What `lbctl reload` reports: `body` is the API's JSON answer (for --json). */
export type ReloadReport = { ok: boolean; body: unknown; message: string };

type ReloadBody = { ok?: boolean; outcome?: string; error?: string };

/** What each apply outcome means to the operator. */
const OUTCOMES: Record<string, string> = {
  reloaded: "haproxy reloaded",
  started: "haproxy started",
  runtime: "applied through the runtime API",
  unchanged: "nothing to change",
  "file-synced": "config file brought in line",
};

/** POSTs /v1/reload to the daemon `lookup` finds; throws only when it cannot be reached. */
export async function reloadDaemon(lookup: AdminLookup): Promise<ReloadReport> {
  const target = findAdmin(lookup, true);
  const answer = await callAdmin(target, "/v1/reload", "POST");
  const body = (answer.body ?? {}) as ReloadBody;
  if (answer.status === 200 && body.ok) {
    const outcome = body.outcome ?? "done";
    return { ok: true, body, message: `reload done: ${OUTCOMES[outcome] ?? outcome}` };
  }
  const error = body.error ?? `HTTP ${answer.status}`;
  if (answer.status === 401 || answer.status === 403) {
    return { ok: false, body, message: tokenMessage(target, answer.status, error) };
  }
  return {
    ok: false,
    body,
    message:
      `reload failed: ${error}; HAProxy keeps serving the previous config ` +
      "(fix the cause, then run lbctl reload again; journalctl -u sluice has the details)",
  };
}
