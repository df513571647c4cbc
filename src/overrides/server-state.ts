// The operator overrides in HAProxy's server-state file: HAProxy restores a server's admin state
// from it (on a reload, and on a restart after a crash), so each occupied slot's forced drain and
// maint bits there must be the override's, or none: else a lifted override would come back from
// a stale file. Pure.

import type { OverrideAction } from "./store.ts";

/** `srv_admin_state` bits set by hand: forced maintenance, forced drain. */
const FORCED_MAINT = 0x1;
const FORCED_DRAIN = 0x8;

/** The forced bits a slot should carry; undefined for a slot not serving a server. */
export type SlotState = (backend: string, server: string) => OverrideAction | "ready" | undefined;

/** `state` (a `show servers state` dump, or the file made from one) with the forced admin bits
 * of every occupied slot set as `stateOf` says; other lines and fields are kept as they are. */
export function withOverrideStates(state: string, stateOf: SlotState): string {
  return state
    .split("\n")
    .map((line) => {
      if (line === "" || line.startsWith("#") || /^\d+$/.test(line)) return line;
      const fields = line.split(" ");
      const wanted = stateOf(fields[1] ?? "", fields[3] ?? "");
      const admin = Number(fields[6]);
      if (wanted === undefined || !Number.isInteger(admin)) return line;
      const forced = wanted === "drain" ? FORCED_DRAIN : wanted === "maint" ? FORCED_MAINT : 0;
      fields[6] = String((admin & ~(FORCED_MAINT | FORCED_DRAIN)) | forced);
      return fields.join(" ");
    })
    .join("\n");
}
