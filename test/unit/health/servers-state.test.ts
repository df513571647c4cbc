import { describe, expect, test } from "bun:test";
import {
  checkDetailText,
  describeCheckStatus,
  parseCheckDetails,
  splitCsvLine,
} from "../../../src/health/check-status.ts";
import { healthStateOf, parseServersState } from "../../../src/health/servers-state.ts";
import { serversState, stateRow } from "./fixtures.ts";

/** A reply of HAProxy 2.6.12 as captured: one server up, one free slot made ready then dead. */
const CAPTURED = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 b0 1 srv-0-0 127.0.0.1 2 0 1 1 17 6 3 4 6 0 0 0 - 41513 - 0 0 - - 0
3 b 3 s3 127.0.0.1 0 4 1 1 2 8 2 0 6 0 0 0 - 1 - 0 0 - - 0

`;

describe("parseServersState", () => {
  test("reads HAProxy 2.6's rows by the header's column names", () => {
    expect(parseServersState(CAPTURED)).toEqual([
      {
        backend: "b0",
        id: 1,
        name: "srv-0-0",
        address: "127.0.0.1",
        port: 41513,
        opState: 2,
        adminState: 0,
        checkStatus: 6,
        checkResult: 3,
        checkState: 6,
        secondsSinceChange: 17,
      },
      {
        backend: "b",
        id: 3,
        name: "s3",
        address: "127.0.0.1",
        port: 1,
        opState: 0,
        adminState: 4,
        checkStatus: 8,
        checkResult: 2,
        checkState: 6,
        secondsSinceChange: 2,
      },
    ]);
  });

  test("follows the header when a later version moves a column", () => {
    const text = CAPTURED.replace("srv_addr srv_op_state", "srv_op_state srv_addr").replace(
      "3 b0 1 srv-0-0 127.0.0.1 2",
      "3 b0 1 srv-0-0 2 127.0.0.1",
    );
    const [row] = parseServersState(text);
    expect(row).toMatchObject({ address: "127.0.0.1", opState: 2 });
  });

  test("skips blank, comment and short lines, and reads 10,000 rows quickly", () => {
    expect(parseServersState("1\n# be_id\n\nnot a row\n")).toEqual([]);
    const rows = Array.from({ length: 10_000 }, (_, i) => ({
      backend: `b${i % 10}`,
      id: i,
      name: `s${i}`,
      addr: "127.0.0.1",
      port: 1000 + (i % 50),
    }));
    const text = serversState(rows);
    const started = performance.now();
    expect(parseServersState(text)).toHaveLength(10_000);
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe("healthStateOf", () => {
  const row = (fields: Record<string, number>) =>
    parseServersState(
      `${stateRow({ backend: "b", id: 1, name: "s", addr: "10.0.0.1", port: 80, ...fields })}\n`,
    )[0]!;
  test.each([
    ["running, checked", { op: 2 }, "up"],
    ["starting (slowstart)", { op: 1 }, "up"],
    ["stopping (going down by agent)", { op: 3 }, "up"],
    ["stopped by its checks", { op: 0, checkResult: 2 }, "down"],
    ["forced into maintenance", { op: 0, admin: 0x01 }, "maint"],
    ["maintenance inherited from a tracked server", { op: 0, admin: 0x02 }, "maint"],
    ["down by a DNS failure", { op: 0, admin: 0x20 }, "maint"],
    ["a free slot made ready (the config flag stays)", { op: 2, admin: 0x04 }, "up"],
    ["drained", { op: 2, admin: 0x08 }, "up"],
    ["without a check", { op: 2, checkState: 0 }, "unchecked"],
    ["with a paused check", { op: 2, checkState: 0x0e }, "unchecked"],
  ])("%s is %s", (_what, fields, state) => {
    expect(healthStateOf(row(fields))).toBe(state as ReturnType<typeof healthStateOf>);
  });
});

describe("check statuses", () => {
  test("codes name the status as show stat does", () => {
    expect(describeCheckStatus(8)).toBe("L4CON Layer4 connection problem");
    expect(describeCheckStatus(7)).toBe("L4TOUT Layer4 timeout");
    expect(describeCheckStatus(17)).toBe("L7STS Layer7 wrong status");
    expect(describeCheckStatus(99)).toBe("check status 99");
  });

  test("a show stat line gives the status and what the check saw", () => {
    const header = "# pxname,svname,qcur,status,check_status,check_code,last_chk,check_desc,addr";
    const text = [
      header,
      "web,.spare1,0,DOWN,L7STS,500,Internal Server Error,Layer7 wrong status,127.0.0.1:1",
      "web,BACKEND,0,UP,,,,,",
      "",
    ].join("\n");
    const details = parseCheckDetails(text);
    expect(details).toEqual([
      {
        backend: "web",
        name: ".spare1",
        status: "L7STS",
        code: "500",
        info: "Internal Server Error",
        description: "Layer7 wrong status",
      },
    ]);
    expect(checkDetailText(details[0]!)).toBe("L7STS 500 Internal Server Error");
    const refused = { ...details[0]!, status: "L4CON", code: "", info: "Connection refused" };
    expect(checkDetailText(refused)).toBe("L4CON Connection refused");
    expect(checkDetailText({ ...refused, info: "" })).toBe("L4CON Layer7 wrong status");
  });

  test("a check that is running again (`* L4CON`) reports its last result without the mark", () => {
    const header = "# pxname,svname,qcur,status,check_status,check_code,last_chk,check_desc,addr";
    const text = `${header}\nweb,a,0,DOWN,* L4CON,,Connection refused,Layer4 connection problem,x\n`;
    const [detail] = parseCheckDetails(text);
    expect(checkDetailText(detail!)).toBe("L4CON Connection refused");
  });

  test("a quoted CSV field may hold commas and doubled quotes", () => {
    expect(splitCsvLine('a,"b, ""c""",d')).toEqual(["a", 'b, "c"', "d"]);
    expect(splitCsvLine("a,,b")).toEqual(["a", "", "b"]);
  });
});
