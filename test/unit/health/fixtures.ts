// Shared by the health tests: `show servers state` rows as HAProxy 2.6 prints them, a layout, and
// servers of the model.

import type { Layout } from "../../../src/model/layout.ts";
import type { Server } from "../../../src/model/types.ts";

export const SERVERS_STATE_HEADER =
  "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port";

/** What a row says, in HAProxy's codes; defaults: up, checked, last check passed (L4OK). */
export type RowFields = {
  backend: string;
  id: number;
  name: string;
  addr: string;
  port: number;
  op?: number;
  admin?: number;
  since?: number;
  checkStatus?: number;
  checkResult?: number;
  checkHealth?: number;
  checkState?: number;
};

export function stateRow(row: RowFields): string {
  const {
    op = 2,
    admin = 0,
    since = 10,
    checkStatus = 6,
    checkResult = 3,
    checkHealth = 4,
    checkState = 6,
  } = row;
  return [
    3,
    row.backend,
    row.id,
    row.name,
    row.addr,
    op,
    admin,
    1,
    1,
    since,
    checkStatus,
    checkResult,
    checkHealth,
    checkState,
    0,
    0,
    0,
    "-",
    row.port,
    "-",
    0,
    0,
    "-",
    "-",
    0,
  ].join(" ");
}

/** A whole `show servers state` reply. */
export function serversState(rows: RowFields[]): string {
  return `${[SERVERS_STATE_HEADER, ...rows.map(stateRow)].join("\n")}\n\n`;
}

export function server(key: string, name: string, host: string, port: number): Server {
  const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  return { key, name, host, port, address, weight: 1, drain: false, meta: {} };
}

export const WEB_1 = server("/apps/web/1", "web-1", "10.0.0.1", 8080);
export const WEB_2 = server("/apps/web/2", "web-2", "10.0.0.2", 8080);
export const API_1 = server("/apps/api/1", "api-1", "10.0.1.1", 9000);

/** web: web-1 in its own slot, web-2 in .spare1, one free slot; api: api-1. */
export function layout(): Layout {
  return new Map([
    [
      "web",
      [
        { name: "web-1", server: WEB_1 },
        { name: ".spare1", server: WEB_2 },
        { name: ".spare2", server: undefined },
      ],
    ],
    ["api", [{ name: "api-1", server: API_1 }]],
  ]);
}

/** Rows matching `layout()`: everything up. */
export function upRows(): RowFields[] {
  return [
    { backend: "web", id: 1, name: "web-1", addr: "10.0.0.1", port: 8080 },
    { backend: "web", id: 2, name: ".spare1", addr: "10.0.0.2", port: 8080 },
    { backend: "web", id: 3, name: ".spare2", addr: "0.0.0.0", port: 0, admin: 5, op: 0 },
    { backend: "api", id: 1, name: "api-1", addr: "10.0.1.1", port: 9000 },
  ];
}
