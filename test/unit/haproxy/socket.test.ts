import { describe, expect, test } from "bun:test";
import { parseShowProc } from "../../../src/haproxy/socket.ts";

// Verbatim `show proc` from HAProxy 2.6.12 after one good and one failed reload: the only worker
// has survived the failed reload, so its reload count is 1.
const AFTER_FAILED_RELOAD = `#<PID>          <type>          <reloads>       <uptime>        <version>      
2248            master          2 [failed: 1]   0d00h00m08s     2.6.12-1+deb12u4
# workers
2283            worker          1               0d00h00m03s     2.6.12-1+deb12u4
# programs

`;

const WITH_DRAINING_WORKER = `#<PID>          <type>          <reloads>       <uptime>        <version>      
3001            master          1 [failed: 0]   0d00h01m00s     2.6.12-1+deb12u4
# workers
3100            worker          0               0d00h00m01s     2.6.12-1+deb12u4
3050            worker          1               0d00h00m59s     2.6.12-1+deb12u4
# programs

`;

describe("parseShowProc", () => {
  test("reads master pid, reloads, failed reloads and workers from HAProxy 2.6 output", () => {
    expect(parseShowProc(AFTER_FAILED_RELOAD)).toEqual({
      masterPid: 2248,
      reloads: 2,
      failedReloads: 1,
      workers: [{ pid: 2283, reloads: 1 }],
    });
  });

  test("lists the new worker and an old one still draining", () => {
    expect(parseShowProc(WITH_DRAINING_WORKER)).toEqual({
      masterPid: 3001,
      reloads: 1,
      failedReloads: 0,
      workers: [
        { pid: 3100, reloads: 0 },
        { pid: 3050, reloads: 1 },
      ],
    });
  });

  test("a master without workers yet has an empty worker list", () => {
    const text =
      "3001            master          0 [failed: 0]   0d00h00m00s     2.6.12\n# workers\n# programs\n\n";
    expect(parseShowProc(text)?.workers).toEqual([]);
  });

  test("returns undefined for a reply that is not a process list", () => {
    expect(parseShowProc("")).toBeUndefined();
    expect(parseShowProc("Unknown command: 'show proc'\n\n")).toBeUndefined();
    expect(parseShowProc("2283            worker          1    0d00h00m03s\n")).toBeUndefined();
  });
});
