// Reads HAProxy's `show servers state` (format 1, the same in 2.6 and 3.x): one row per server
// with its operational and administrative state and its check's status, result and health. Pure.

import type { HealthState } from "./types.ts";

/** One server row. Numbers are HAProxy's own codes (see `healthStateOf`). */
export type ServerStateRow = {
  backend: string;
  /** `srv_id`: the server's id in its backend, which `show stat <backend> 4 <id>` takes. */
  id: number;
  /** The HAProxy server name: the slot name. */
  name: string;
  address: string;
  port: number;
  /** 0 stopped (down), 1 starting, 2 running, 3 stopping. */
  opState: number;
  /** Administrative flags (maintenance, drain). */
  adminState: number;
  /** The check's status code (`HCHK_STATUS_*`, see check-status.ts). */
  checkStatus: number;
  /** 0 unknown, 1 neutral, 2 failed, 3 passed, 4 conditionally passed. */
  checkResult: number;
  /** The check's state flags (configured, enabled, paused). */
  checkState: number;
  /** Seconds since the state last changed. */
  secondsSinceChange: number;
};

/** The columns used, by header name, at their place in HAProxy 2.6's header. */
const COLUMNS = {
  be_name: 1,
  srv_id: 2,
  srv_name: 3,
  srv_addr: 4,
  srv_op_state: 5,
  srv_admin_state: 6,
  srv_time_since_last_change: 9,
  srv_check_status: 10,
  srv_check_result: 11,
  srv_check_state: 13,
  srv_port: 18,
} as const;

type Column = keyof typeof COLUMNS;

/** Maintenance flags: forced (`state maint`), inherited from a tracked server, or DNS failure.
 * The configuration flag (0x04, the `disabled` keyword) stays set after `state ready` although
 * the server serves again (measured on 2.6.12), so it does not count. */
const ADMIN_MAINTENANCE = 0x01 | 0x02 | 0x20;
/** Check state flags: the check runs (`enabled`), or is paused. */
const CHECK_ENABLED = 0x04;
const CHECK_PAUSED = 0x08;
/** `srv_check_result` of a failed check. */
export const CHECK_FAILED = 2;

/** Column indexes from the `# be_id be_name ...` header, or HAProxy 2.6's when absent. */
function columnIndexes(header: string | undefined): Record<Column, number> {
  if (header === undefined) return { ...COLUMNS };
  const names = header.replace(/^#\s*/, "").split(" ");
  const indexes = { ...COLUMNS } as Record<Column, number>;
  for (const column of Object.keys(COLUMNS) as Column[]) {
    const index = names.indexOf(column);
    if (index >= 0) indexes[column] = index;
  }
  return indexes;
}

/** The rows of a `show servers state` reply; lines that are not rows are skipped. */
export function parseServersState(text: string): ServerStateRow[] {
  const lines = text.split("\n");
  const columns = columnIndexes(lines.find((line) => line.startsWith("# be_id")));
  const rows: ServerStateRow[] = [];
  for (const line of lines) {
    if (line === "" || line.startsWith("#")) continue;
    const fields = line.split(" ");
    if (fields.length <= columns.srv_port) continue;
    const number = (column: Column) => Number(fields[columns[column]]);
    rows.push({
      backend: fields[columns.be_name]!,
      id: number("srv_id"),
      name: fields[columns.srv_name]!,
      address: fields[columns.srv_addr]!,
      port: number("srv_port"),
      opState: number("srv_op_state"),
      adminState: number("srv_admin_state"),
      checkStatus: number("srv_check_status"),
      checkResult: number("srv_check_result"),
      checkState: number("srv_check_state"),
      secondsSinceChange: number("srv_time_since_last_change"),
    });
  }
  return rows;
}

/** What a row says of the server: maintenance first, then whether it is checked, then up/down. */
export function healthStateOf(row: ServerStateRow): HealthState {
  if ((row.adminState & ADMIN_MAINTENANCE) !== 0) return "maint";
  if ((row.checkState & CHECK_ENABLED) === 0 || (row.checkState & CHECK_PAUSED) !== 0) {
    return "unchecked";
  }
  return row.opState === 0 ? "down" : "up";
}
